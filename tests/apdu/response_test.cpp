#include <catch2/catch.hpp>

#include "mynacard/apdu/response.hpp"

using mynacard::Bytes;
using mynacard::apdu::Response;

TEST_CASE("response: data and SW are split", "[apdu][response]")
{
    const Bytes raw{0x01, 0x02, 0x03, 0x90, 0x00};
    auto r = Response::parse(raw);
    REQUIRE(r);
    CHECK(r->data == Bytes{0x01, 0x02, 0x03});
    CHECK(r->sw.value == 0x9000);
    CHECK(r->sw.ok());

    auto sw_only = Response::parse(Bytes{0x6A, 0x82});
    REQUIRE(sw_only);
    CHECK(sw_only->data.empty());
    CHECK(sw_only->sw.sw1() == 0x6A);
    CHECK(sw_only->sw.sw2() == 0x82);
}

TEST_CASE("response: fewer than two bytes is malformed", "[apdu][response]")
{
    for (const Bytes& raw : {Bytes{}, Bytes{0x90}}) {
        auto r = Response::parse(raw);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == mynacard::Errc::MalformedResponse);
    }
}
