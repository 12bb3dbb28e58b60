// Reader listing, an empty reader, an unknown reader, and two cards at once.
#include "pcsc_test_util.hpp"

using namespace pcsc_test;

namespace {

const mynacard::apdu::ReaderInfo* find_reader(const std::vector<mynacard::apdu::ReaderInfo>& list,
                                              const std::string& name)
{
    for (const auto& r : list)
        if (r.name == name) return &r;
    return nullptr;
}

}  // namespace

TEST_CASE("pcsc: both vpcd readers are listed - the card shows in slot 0 with its ATR")
{
    REQUIRE(in_pcsc_env());
    PcscContext ctx = context();
    auto before = ctx.list_readers();
    REQUIRE(before);
    const auto* r0 = find_reader(*before, VpcdCard::reader_name(0));
    const auto* r1 = find_reader(*before, VpcdCard::reader_name(1));
    REQUIRE(r0);
    REQUIRE(r1);
    CHECK_FALSE(r0->card_present);
    CHECK_FALSE(r1->card_present);

    VpcdCard card(CardOptions{}, test_pki());
    auto with_card = ctx.list_readers();
    REQUIRE(with_card);
    r0 = find_reader(*with_card, card.reader());
    REQUIRE(r0);
    CHECK(r0->card_present);
    CHECK(r0->atr == card.card().atr());
}

TEST_CASE("pcsc: an empty reader gives CardAbsent, an unknown reader NoReader")
{
    REQUIRE(in_pcsc_env());
    PcscContext ctx = context();
    auto empty = ctx.connect(VpcdCard::reader_name(1));
    REQUIRE_FALSE(empty);
    CHECK(empty.error().code == Errc::CardAbsent);
    auto unknown = ctx.connect("No Such Reader 99 99");
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == Errc::NoReader);
}

TEST_CASE("pcsc: a second card on slot 1 coexists with the first")
{
    REQUIRE(in_pcsc_env());
    CardOptions adult;
    CardOptions child;
    child.has_sign_certificate = false;
    child.atr = {0x3B, 0xC5, 0xFF, 0x81, 0x31, 0xFB, 0x45, 0x80, 0x73, 0xC6, 0x01, 0x00, 0x00};
    VpcdCard first(adult, test_pki(), 0);
    VpcdCard second(child, test_pki(), 1);
    CHECK(first.reader() != second.reader());
    PcscContext ctx = context();
    auto t0 = ctx.connect(first.reader());
    auto t1 = ctx.connect(second.reader());
    REQUIRE(t0);
    REQUIRE(t1);
    CHECK((*t1)->atr() == child.atr);
    auto which_certs = [](PcscTransport& t) {
        auto tx = Transaction::begin(t);
        REQUIRE(tx);
        REQUIRE(transceive(*tx, Command::select_aid(kJpkiAid))->sw.ok());
        REQUIRE(transceive(*tx, Command::select_ef(0x0008))->sw.ok());
        auto r = transceive(*tx, Command::read_binary(0, 3));
        REQUIRE(r);
        return r->data;
    };
    CHECK(which_certs(**t0) == Bytes{0x8F, 0x8F, 0x00});
    CHECK(which_certs(**t1) == Bytes{0x00, 0x8F, 0x00});
    // Interleaved use: a login on one card is not a login on the other.
    {
        auto tx = Transaction::begin(**t0);
        REQUIRE(tx);
        REQUIRE(transceive(*tx, Command::select_ef(0x0018))->sw.ok());
        const std::string pin = "1234";
        REQUIRE(transceive(*tx, Command::verify(0x80, SecureBytes(pin.begin(), pin.end())))->sw.ok());
    }
    CHECK(first.card().verified(0x18));
    CHECK_FALSE(second.card().verified(0x18));
    // Removing the second card leaves the first working.
    second.link().remove();
    REQUIRE(second.link().wait_absent(second.reader(), std::chrono::seconds(5)));
    auto tx = Transaction::begin(**t0);
    REQUIRE(tx);
    auto cert = read_certificate(*tx, 0x000A);
    REQUIRE(cert);
    CHECK(*cert == test_pki().auth_der);
}
