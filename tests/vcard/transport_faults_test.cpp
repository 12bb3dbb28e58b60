// VirtualCardTransport (removal, reset, epochs) and the fault options.
#include <chrono>
#include <thread>

#include "mynacard/apdu/transaction.hpp"
#include "vcard_test_util.hpp"

using namespace vcard_test;
using mynacard::Errc;
using mynacard::apdu::Disposition;

TEST_CASE("vcard transport: remove -> CardRemoved - insert -> usable, powered up fresh, new epoch")
{
    CardRig rig;
    REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);
    const auto epoch = rig.transport.reset_epoch();
    rig.transport.remove();
    auto t = rig.transport.transmit(Bytes{0x00, 0xA4, 0x04, 0x0C, 0x01, 0x00});
    REQUIRE_FALSE(t);
    CHECK(t.error().code == Errc::CardRemoved);
    auto b = rig.transport.begin_transaction();
    REQUIRE_FALSE(b);
    CHECK(b.error().code == Errc::CardRemoved);
    CHECK_FALSE(rig.card->verified(0x18));
    rig.transport.insert();
    CHECK(rig.transport.reset_epoch() > epoch);
    REQUIRE(rig.transport.begin_transaction());
    CHECK(rig.select_aid(kJpkiAid) == 0x9000);
    rig.transport.end_transaction(Disposition::Leave);
}

TEST_CASE("vcard transport: external reset loses the login and shows as a new epoch")
{
    CardRig rig;
    REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);
    const auto epoch = rig.transport.reset_epoch();
    rig.transport.external_reset();
    CHECK_FALSE(rig.card->verified(0x18));
    REQUIRE(rig.transport.begin_transaction());  // reconnects and succeeds
    CHECK(rig.transport.reset_epoch() == epoch + 1);
    CHECK(rig.select_aid(kJpkiAid) == 0x9000);
    rig.transport.end_transaction();

    // Outside a transaction, the first transmit reports the reset without sending.
    rig.transport.external_reset();
    const auto apdus = rig.card->stats().apdus;
    auto t = rig.transport.transmit(Bytes{0x00, 0xA4, 0x04, 0x0C, 0x01, 0x00});
    REQUIRE_FALSE(t);
    CHECK(t.error().code == Errc::CardReset);
    CHECK(rig.card->stats().apdus == apdus);
    CHECK(rig.transport.reset_epoch() == epoch + 2);
    CHECK(rig.select_aid(kJpkiAid) == 0x9000);
}

TEST_CASE("vcard transport: end_transaction Unpower logs out, Reset and Leave do not")
{
    CardRig rig;
    REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);
    auto epoch = rig.transport.reset_epoch();
    REQUIRE(rig.transport.begin_transaction());
    rig.transport.end_transaction(Disposition::Leave);
    CHECK(rig.card->verified(0x18));
    CHECK(rig.transport.reset_epoch() == epoch);
    REQUIRE(rig.transport.begin_transaction());
    rig.transport.end_transaction(Disposition::Reset);
    CHECK(rig.card->verified(0x18));
    CHECK(rig.transport.reset_epoch() == epoch + 1);
    REQUIRE(rig.transport.begin_transaction());
    rig.transport.end_transaction(Disposition::Unpower);
    CHECK_FALSE(rig.card->verified(0x18));
    CHECK(rig.transport.reset_epoch() == epoch + 2);
    CHECK(rig.transport.atr() == Bytes{0x3B, 0xDA, 0x13, 0xFF, 0x81, 0x31, 0xFB, 0x46, 0x80, 0x12,
                                       0x39, 0x2F, 0x31, 0xC1, 0x73, 0xC6, 0x01, 0xC0, 0x3B});
    CHECK(rig.transport.extended_length());
}

TEST_CASE("vcard faults: remove after N APDUs, then CardRemoved - reinsertion after M ms")
{
    CardOptions options;
    options.faults.remove_after_apdus = 3;
    options.faults.reinsert_after = std::chrono::milliseconds(200);
    CardRig rig(options);
    CHECK(rig.select_aid(kJpkiAid) == 0x9000);
    CHECK(rig.select_ef(0x000A) == 0x9000);
    CHECK(rig.sw(Command::read_binary(0, 4)) == 0x9000);  // the 3rd APDU is still answered
    auto t = rig.transport.transmit(Bytes{0x00, 0xB0, 0x00, 0x04, 0x04});
    REQUIRE_FALSE(t);
    CHECK(t.error().code == Errc::CardRemoved);
    CHECK_FALSE(rig.card->powered());
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    // Reinserted: powered up from cold, selection gone, works again (and would be pulled again
    // after 3 more APDUs, counted from this power-on).
    REQUIRE(rig.transport.begin_transaction());
    CHECK(rig.sw(Command::read_binary(0, 4)) == 0x6986);
    CHECK(rig.select_aid(kJpkiAid) == 0x9000);
    rig.transport.end_transaction();
}

TEST_CASE("vcard faults: without reinsert_after the card stays out until insert()")
{
    CardOptions options;
    options.faults.remove_after_apdus = 1;
    CardRig rig(options);
    CHECK(rig.select_aid(kJpkiAid) == 0x9000);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK_FALSE(rig.transport.transmit(Bytes{0x00, 0xA4, 0x04, 0x0C, 0x01, 0x00}));
    rig.card->set_faults({});
    rig.transport.insert();
    CHECK(rig.select_aid(kJpkiAid) == 0x9000);
    CHECK(rig.select_aid(kJpkiAid) == 0x9000);
}

TEST_CASE("vcard faults: a given SW for an INS, and garbage for an INS")
{
    CardOptions options;
    options.faults.sw_for_ins[0x2A] = 0x6F00;
    options.faults.garbage_for_ins = 0xB0;
    CardRig rig(options);
    REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);
    REQUIRE(rig.select_ef(0x0017) == 0x9000);
    CHECK(rig.sw(Command::jpki_compute_signature(Bytes(51, 0x01))) == 0x6F00);
    CHECK(rig.card->stats().signatures == 0);
    REQUIRE(rig.select_ef(0x000A) == 0x9000);
    auto garbage = rig.transport.transmit(Bytes{0x00, 0xB0, 0x00, 0x00, 0x04});
    REQUIRE(garbage);
    CHECK(garbage->size() == 1);
    CHECK_FALSE(Response::parse(*garbage));

    Faults longer;
    longer.garbage_for_ins = 0xB0;
    longer.garbage_length = 40;
    rig.card->set_faults(longer);
    auto more = rig.transport.transmit(Bytes{0x00, 0xB0, 0x00, 0x00, 0x04});
    REQUIRE(more);
    CHECK(more->size() == 40);
    rig.card->set_faults({});
    CHECK(rig.sw(Command::read_binary(0, 4)) == 0x9000);
}

TEST_CASE("vcard latency: per APDU and per signature")
{
    CardOptions options;
    options.apdu_latency = std::chrono::milliseconds(20);
    options.sign_latency = std::chrono::milliseconds(150);
    CardRig rig(options);
    using clock = std::chrono::steady_clock;
    auto t0 = clock::now();
    REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);  // 3 APDUs
    const auto three = clock::now() - t0;
    CHECK(three >= std::chrono::milliseconds(60));
    REQUIRE(rig.select_ef(0x0017) == 0x9000);
    t0 = clock::now();
    CHECK(rig.sw(Command::jpki_compute_signature(Bytes(51, 0x01))) == 0x9000);
    CHECK(clock::now() - t0 >= std::chrono::milliseconds(170));
}

TEST_CASE("vcard transport: transceive works over it (Transaction counts APDUs)")
{
    CardRig rig;
    auto tx = mynacard::apdu::Transaction::begin(rig.transport);
    REQUIRE(tx);
    auto r = mynacard::apdu::transceive(*tx, Command::select_aid(kJpkiAid));
    REQUIRE(r);
    CHECK(r->sw.value == 0x9000);
    // The Common AP record with a short Le: the card answers 6C1E and transceive re-issues.
    REQUIRE(mynacard::apdu::transceive(*tx, Command::select_aid(kCommonAid))->sw.value == 0x9000);
    auto record = mynacard::apdu::transceive(*tx, Command::read_record(1, 1, 16));
    REQUIRE(record);
    CHECK(record->sw.value == 0x9000);
    CHECK(record->data.size() == 30);
    CHECK(tx->apdu_count() == 4);
}
