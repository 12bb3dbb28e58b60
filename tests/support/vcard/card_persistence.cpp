// Card state in a directory: <dir>/card-state.json holds each PIN's value and counters, written
// after every change (atomically: temp file + rename) and read back by persistent(). The PIN
// values are stored in clear: this is test equipment modelling a card, not a secret store.
#include <fstream>
#include <iostream>
#include <iterator>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "card_state.hpp"

namespace mynacard::vcard {

using detail::PinId;

namespace {

constexpr const char* kStateFile = "card-state.json";

const std::pair<PinId, const char*> kPinNames[] = {
    {PinId::Auth, "auth"}, {PinId::Sign, "sign"}, {PinId::Kenhojo, "kenhojo"}};

}  // namespace

void VirtualJpkiCard::State::save() const
{
    if (!persist_dir) return;
    nlohmann::json doc;
    doc["version"] = 1;
    for (const auto& [id, name] : kPinNames) {
        const PinSetup& s = pins.at(id).setup();
        doc["pins"][name] = {{"value", s.value}, {"max_tries", s.max_tries}, {"tries_left", s.tries_left}};
    }
    std::error_code ec;
    std::filesystem::create_directories(*persist_dir, ec);
    const auto target = *persist_dir / kStateFile;
    const auto tmp = *persist_dir / (std::string(kStateFile) + ".tmp" + std::to_string(::getpid()));
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << doc.dump(2) << '\n';
        if (!out) {
            std::cerr << "vcard: cannot write " << tmp << '\n';
            return;
        }
    }
    std::filesystem::rename(tmp, target, ec);
    if (ec) std::cerr << "vcard: cannot store " << target << ": " << ec.message() << '\n';
}

void VirtualJpkiCard::State::load()
{
    if (!persist_dir) return;
    std::ifstream in(*persist_dir / kStateFile);
    if (!in) return;  // nothing stored yet: the options' PINs stand
    const nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("pins") || !doc["pins"].is_object()) {
        std::cerr << "vcard: ignoring malformed " << (*persist_dir / kStateFile) << '\n';
        return;
    }
    for (const auto& [id, name] : kPinNames) {
        const auto& pins_doc = doc["pins"];
        if (!pins_doc.contains(name)) continue;
        const auto& p = pins_doc[name];
        if (!p.is_object() || !p.value("value", nlohmann::json()).is_string() ||
            !p.value("max_tries", nlohmann::json()).is_number_integer() ||
            !p.value("tries_left", nlohmann::json()).is_number_integer())
            continue;
        pins.at(id).restore({p["value"].get<std::string>(), p["max_tries"].get<int>(),
                             p["tries_left"].get<int>()});
    }
}

std::unique_ptr<VirtualJpkiCard> VirtualJpkiCard::persistent(std::filesystem::path dir,
                                                             TestPki pki, CardOptions options)
{
    auto card = std::make_unique<VirtualJpkiCard>(std::move(pki), std::move(options));
    std::lock_guard lock(card->m_mutex);
    card->m_state->persist_dir = std::move(dir);
    card->m_state->load();
    card->m_state->save();  // the directory now reflects the card, even before any change
    return card;
}

}  // namespace mynacard::vcard
