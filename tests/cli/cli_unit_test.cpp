// The message catalogue and the Errc -> exit code mapping.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "exit_codes.hpp"
#include "messages.hpp"
#include "prescan.hpp"

using namespace mynacard;
using namespace mynacard::cli;

TEST_CASE("every message exists in English and Japanese, placeholders match")
{
    for (int i = 0; i < static_cast<int>(Msg::Count_); ++i) {
        const auto id = static_cast<Msg>(i);
        const std::string en = Messages::text(id, Lang::En);
        const std::string ja = Messages::text(id, Lang::Ja);
        INFO("message " << i << ": " << en);
        CHECK_FALSE(en.empty());
        CHECK_FALSE(ja.empty());
        for (const char* ph : {"{0}", "{1}", "{2}", "{3}"})
            CHECK((en.find(ph) == std::string::npos) == (ja.find(ph) == std::string::npos));
    }
}

TEST_CASE("placeholders are substituted")
{
    const Messages en(Lang::En);
    CHECK(en(Msg::TriesLeft, {"auth PIN", "2", "3"}) == "auth PIN: 2 of 3 tries left.");
    const Messages ja(Lang::Ja);
    CHECK(ja(Msg::TriesLeft, {"利用者証明用暗証番号", "2", "3"}) == "利用者証明用暗証番号: 残り 2 回（最大 3 回）。");
}

TEST_CASE("language from --lang, LC_ALL, LC_MESSAGES, LANG")
{
    CHECK(Messages::choose(std::string("ja")) == Lang::Ja);
    CHECK(Messages::choose(std::string("en")) == Lang::En);
    setenv("LC_ALL", "", 1);
    setenv("LC_MESSAGES", "", 1);
    setenv("LANG", "ja_JP.UTF-8", 1);
    CHECK(Messages::choose(std::nullopt) == Lang::Ja);
    setenv("LC_MESSAGES", "C", 1);
    CHECK(Messages::choose(std::nullopt) == Lang::En);
    setenv("LC_ALL", "ja_JP.UTF-8", 1);
    CHECK(Messages::choose(std::nullopt) == Lang::Ja);
    CHECK(Messages::choose(std::string("en")) == Lang::En);
}

TEST_CASE("Errc -> exit code")
{
    CHECK(exit_code_for(Errc::NoService) == ExitCode::NoReader);
    CHECK(exit_code_for(Errc::NoReader) == ExitCode::NoReader);
    CHECK(exit_code_for(Errc::CardAbsent) == ExitCode::NoCard);
    CHECK(exit_code_for(Errc::CardRemoved) == ExitCode::CardCommunication);
    CHECK(exit_code_for(Errc::PinIncorrect) == ExitCode::PinIncorrect);
    CHECK(exit_code_for(Errc::PinLocked) == ExitCode::PinLocked);
    CHECK(exit_code_for(Errc::FinalTryRefused) == ExitCode::FinalTryRefused);
    CHECK(exit_code_for(Errc::PinLengthInvalid) == ExitCode::PinFormat);
    CHECK(exit_code_for(Errc::PinCharactersInvalid) == ExitCode::PinFormat);
    CHECK(exit_code_for(Errc::NotSupported) == ExitCode::CardNotSupported);
    CHECK(exit_code_for(Errc::NoSuchKey) == ExitCode::CardNotSupported);
    CHECK(exit_code_for(Errc::KeyRefused) == ExitCode::CertRevoked);
    CHECK(exit_code_for(Errc::Io) == ExitCode::Io);
    CHECK(exit_code_for(Errc::ConfigInvalid) == ExitCode::Config);
    CHECK(exit_code_for(Errc::Internal) == ExitCode::Failure);
    // Distinct codes, distinct names.
    std::set<std::string> names;
    for (int c : {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 64, 65, 74, 78})
        names.insert(exit_code_name(static_cast<ExitCode>(c)));
    CHECK(names.size() == 19);
    CHECK(exit_code_table(Messages(Lang::En)).find(" 22  last try not confirmed") != std::string::npos);
    CHECK(exit_code_table(Messages(Lang::Ja)).find("終了コード:") == 0);
    CHECK(exit_code_table(Messages(Lang::Ja)).find(" 21  暗証番号がロックされています") != std::string::npos);
}

TEST_CASE("language and JSON flags are found before CLI11 parses (help text language)")
{
    using Args = std::vector<std::string>;
    CHECK_FALSE(prescan(Args{}).lang);
    CHECK(prescan(Args{"--lang", "ja", "--help"}).lang == std::optional<std::string>("ja"));
    CHECK(prescan(Args{"sign", "--help", "--lang=ja"}).lang == std::optional<std::string>("ja"));
    CHECK(prescan(Args{"--lang", "ja", "--lang", "en"}).lang == std::optional<std::string>("en"));
    CHECK_FALSE(prescan(Args{"--lang", "fr"}).lang);  // CLI11 rejects it afterwards
    CHECK_FALSE(prescan(Args{"--lang"}).lang);
    CHECK_FALSE(prescan(Args{"--", "--lang", "ja"}).lang);
    CHECK(prescan(Args{"status", "--json"}).json);
    CHECK_FALSE(prescan(Args{"sign", "--", "--json"}).json);
    // "--lang --json": the word after --lang is its value here; CLI11 rejects the line anyway.
    CHECK_FALSE(prescan(Args{"--lang", "--json"}).json);
    // The command path, without options and the values of global options.
    CHECK(prescan(Args{"--reader", "Virtual PCD", "--pin-fd", "3", "cert", "--json", "show", "sign"}).words ==
          Args{"cert", "show", "sign"});
    CHECK(prescan(Args{"--lang=ja", "--config", "c.conf", "stauts"}).words == Args{"stauts"});
    CHECK(prescan(Args{"sign", "--", "-file"}).words == Args{"sign"});
}
