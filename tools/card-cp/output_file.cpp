#include "output_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "terminal.hpp"

namespace mynacard::cli {

void write_output(Context& ctx, const std::string& path, ByteView data, bool binary)
{
    if (path == "-") {
        if (binary && stdout_is_terminal()) ctx.fail(ExitCode::Usage, ctx.msg(Msg::ErrRefuseBinaryToTerminal));
        if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size() || std::fflush(stdout) != 0)
            ctx.fail(ExitCode::Io, ctx.msg(Msg::ErrWriteFile, {"stdout", std::strerror(errno)}));
        return;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) ctx.fail(ExitCode::Io, ctx.msg(Msg::ErrWriteFile, {path, std::strerror(errno)}));
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    out.close();
    if (!out) ctx.fail(ExitCode::Io, ctx.msg(Msg::ErrWriteFile, {path, std::strerror(errno)}));
}

}  // namespace mynacard::cli
