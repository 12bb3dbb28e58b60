// libFuzzer target: command APDUs. Whatever Command::parse accepts, encode(allow_extended=true)
// must reproduce byte for byte (parse is the strict inverse of encode, ISO 7816-4 §5.1-5.2), and
// the trace rendering must never show the data of a secret-carrying command.
#include <cstddef>
#include <cstdint>
#include <string>

#include "mynacard/apdu/command.hpp"
#include "mynacard/apdu/trace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mynacard::apdu;
    auto cmd = Command::parse(mynacard::ByteView(data, size));
    if (!cmd) return 0;
    auto again = cmd->encode(true);
    if (!again) __builtin_trap();
    if (again->size() != size) __builtin_trap();
    for (std::size_t i = 0; i < size; ++i)
        if ((*again)[i] != data[i]) __builtin_trap();

    // Short encoding, when it succeeds, must parse back to the same fields.
    if (auto short_form = cmd->encode(false)) {
        auto back = Command::parse(mynacard::view(*short_form));
        if (!back || back->data() != cmd->data() || back->le() != cmd->le() ||
            back->ins() != cmd->ins())
            __builtin_trap();
    }

    const std::string text = trace::render_command(*cmd);
    if (cmd->carries_secret() && !cmd->data().empty() &&
        text.find("<redacted " + std::to_string(cmd->data().size()) + " bytes>") == std::string::npos)
        __builtin_trap();
    return 0;
}
