#include "card_access.hpp"

#include <vector>

#include "mynacard/jpki/supported.hpp"
#include "mynacard/jpki/types.hpp"

namespace mynacard::cli {
namespace {

std::string join_names(const std::vector<apdu::ReaderInfo>& readers)
{
    std::string names;
    for (const auto& r : readers) {
        if (!names.empty()) names += ", ";
        names += '"' + r.name + '"';
    }
    return names;
}

/// --reader: an exact name wins; otherwise exactly one reader must contain the text.
const apdu::ReaderInfo& pick_named(Context& ctx, const std::vector<apdu::ReaderInfo>& readers,
                                   const std::string& wanted)
{
    for (const auto& r : readers)
        if (r.name == wanted) return r;
    const apdu::ReaderInfo* match = nullptr;
    int matches = 0;
    for (const auto& r : readers)
        if (r.name.find(wanted) != std::string::npos) {
            match = &r;
            ++matches;
        }
    if (matches != 1)
        ctx.fail(ExitCode::NoReader, ctx.msg(Msg::ErrReaderNotFound, {wanted, join_names(readers)}));
    return *match;
}

}  // namespace

OpenCard open_card(Context& ctx)
{
    OpenCard open;
    open.pcsc = std::make_unique<apdu::PcscContext>(ctx.need(apdu::PcscContext::establish()));
    const auto readers = ctx.need(open.pcsc->list_readers());
    if (readers.empty()) ctx.fail(ExitCode::NoReader, ctx.msg(Msg::ErrNoReader));

    std::unique_ptr<apdu::Transport> transport;
    std::optional<bool> found_current;  // from the reader search, which may select the JPKI AP itself
    if (ctx.options.reader) {
        const auto& reader = pick_named(ctx, readers, *ctx.options.reader);
        if (!reader.card_present) ctx.fail(ExitCode::NoCard, ctx.msg(Msg::ErrNoCard) + " (" + reader.name + ")");
        transport = ctx.need(open.pcsc->connect(reader.name));
        open.reader = reader.name;
    } else {
        // First reader with a My Number card; remember what else we saw for the message.
        std::string seen;
        for (const auto& reader : readers) {
            if (!reader.card_present) continue;
            auto connected = open.pcsc->connect(reader.name);
            if (!connected) {
                seen += (seen.empty() ? "" : "; ") + reader.name + ": " + connected.error().message();
                continue;
            }
            std::string label;
            bool current = false;
            // A card another process identified in this insertion (the PKCS#11 module in a
            // browser, say) is recognised from its insertion record with one READ BINARY: no
            // SELECT by AID, which on a card that ends verification on SELECT would log it out.
            auto type = jpki::detect_card(**connected, jpki::ReaderInsertion{reader.name, reader.event_count},
                                          ctx.config().cache, &label, &current);
            if (type && jpki::is_jpki_ic_card(*type)) {
                transport = std::move(connected).value();
                open.reader = reader.name;
                found_current = current;
                break;
            }
            seen += (seen.empty() ? "" : "; ") + reader.name + ": " +
                    (type ? std::string(jpki::to_string(*type)) + (label.empty() ? "" : " \"" + label + "\"")
                          : type.error().message());
        }
        if (!transport) {
            if (seen.empty()) ctx.fail(ExitCode::NoCard, ctx.msg(Msg::ErrNoCard));
            ctx.fail(ExitCode::CardNotSupported, ctx.msg(Msg::ErrNoMyNumberCard, {seen}));
        }
    }

    jpki::SessionOptions session_options;
    session_options.cache = ctx.config().cache;
    // Same insertion as a process that already identified the card (the PKCS#11 module in a
    // browser, say): confirmed with one READ BINARY, no SELECT that could end its login.
    for (const auto& r : readers)
        if (r.name == open.reader) session_options.insertion = jpki::ReaderInsertion{r.name, r.event_count};
    ctx.progress(ctx.msg(Msg::ProgressConnecting));
    open.session.emplace(ctx.need(jpki::CardSession::open(std::move(transport), session_options)));
    open.others_may_be_logged_in = found_current.value_or(open.session->info().others_may_be_logged_in);
    return open;
}

void end_session(Context& ctx, OpenCard& card) noexcept
{
    if (!card.session || !card.pin_sent) return;
    card.pin_sent = false;
    try {
        auto done = card.session->logout();
        if (!done && done.error().code != Errc::CardRemoved)
            ctx.note(ctx.msg(Msg::WarnLogoutFailed, {done.error().message()}));
    } catch (...) {
        // Destructor path: nothing more to do than not to throw.
    }
}

PasswordHold::PasswordHold(Context& ctx, OpenCard& card) : m_ctx(ctx), m_card(card)
{
    auto begun = card.card().transport().begin_transaction();
    if (!begun) ctx.fail(begun.error());
    m_held = true;
}

void PasswordHold::end() noexcept
{
    if (!m_held) return;
    m_held = false;
    end_session(m_ctx, m_card);  // the power cycle, still inside our transaction
    try {
        if (m_card.session) m_card.card().transport().end_transaction(apdu::Disposition::Leave);
    } catch (...) {
    }
}

}  // namespace mynacard::cli
