#include "exit_codes.hpp"

#include <array>
#include <cstdio>
#include <utility>

namespace mynacard::cli {

ExitCode exit_code_for(Errc code) noexcept
{
    switch (code) {
    case Errc::NoService:
    case Errc::NoReader:
        return ExitCode::NoReader;
    case Errc::CardAbsent:
        return ExitCode::NoCard;
    case Errc::CardRemoved:
    case Errc::CardReset:
    case Errc::CardUnresponsive:
    case Errc::SharingViolation:
    case Errc::Transport:
    case Errc::Timeout:
        return ExitCode::CardCommunication;
    case Errc::PinIncorrect:
        return ExitCode::PinIncorrect;
    case Errc::PinLocked:
        return ExitCode::PinLocked;
    case Errc::FinalTryRefused:
        return ExitCode::FinalTryRefused;
    case Errc::PinLengthInvalid:
    case Errc::PinCharactersInvalid:
        return ExitCode::PinFormat;
    case Errc::NotSupported:
    case Errc::SchemeNotSupported:
    case Errc::NoSuchKey:
        return ExitCode::CardNotSupported;
    case Errc::KeyRefused:
        return ExitCode::CertRevoked;
    case Errc::DataTooLong:
    case Errc::CertificateInvalid:
        return ExitCode::DataError;
    case Errc::Io:
        return ExitCode::Io;
    case Errc::ConfigInvalid:
        return ExitCode::Config;
    case Errc::InvalidArgument:
        return ExitCode::Usage;
    case Errc::Cancelled:
    case Errc::LengthOutOfRange:
    case Errc::MalformedResponse:
    case Errc::UnexpectedStatus:
    case Errc::WrongLength:
    case Errc::SecurityStatusNotSatisfied:
    case Errc::ConditionsNotSatisfied:
    case Errc::FileNotFound:
    case Errc::IncorrectParameters:
    case Errc::InstructionNotSupported:
    case Errc::ClassNotSupported:
    case Errc::NotLoggedIn:
    case Errc::CacheInvalid:
    case Errc::Crypto:
    case Errc::Internal:
        return ExitCode::Failure;
    }
    return ExitCode::Failure;
}

namespace {

struct ExitCodeInfo {
    ExitCode code;
    const char* name;
    const char* description;     ///< English
    const char* description_ja;  ///< Japanese
};

constexpr std::array kExitCodes{
    ExitCodeInfo{ExitCode::Ok, "ok", "success",
                 "成功"},
    ExitCodeInfo{ExitCode::Failure, "failure", "other error (card protocol, crypto, internal)",
                 "その他のエラー（カードのプロトコル、暗号処理、内部エラー）"},
    ExitCodeInfo{ExitCode::SignatureInvalid, "signature-invalid", "verify: signature does not match",
                 "verify: 署名が一致しません"},
    ExitCodeInfo{ExitCode::NotTrusted, "not-trusted", "verify: certificate not trusted",
                 "verify: 証明書を信頼できません"},
    ExitCodeInfo{ExitCode::NoReader, "no-reader", "no reader / pcscd not running",
                 "カードリーダーがない / pcscd が動いていません"},
    ExitCodeInfo{ExitCode::NoCard, "no-card", "no card in the reader",
                 "カードリーダーにカードがありません"},
    ExitCodeInfo{ExitCode::CardNotSupported, "card-not-supported",
                 "not a My Number card, or key not issued",
                 "マイナンバーカードではない、または鍵が発行されていません"},
    ExitCodeInfo{ExitCode::CardCommunication, "card-communication",
                 "card removed, reset or not answering",
                 "カードが抜かれた、リセットされた、または応答しません"},
    ExitCodeInfo{ExitCode::PinIncorrect, "pin-incorrect", "PIN incorrect (tries remain)",
                 "暗証番号が違います（残り回数あり）"},
    ExitCodeInfo{ExitCode::PinLocked, "pin-locked", "PIN locked",
                 "暗証番号がロックされています"},
    ExitCodeInfo{ExitCode::FinalTryRefused, "final-try-refused",
                 "last try not confirmed (--allow-final-try)",
                 "最後の 1 回が確認されませんでした（--allow-final-try）"},
    ExitCodeInfo{ExitCode::PinFormat, "pin-format", "malformed PIN, nothing sent",
                 "暗証番号の形式が不正です（何も送信していません）"},
    ExitCodeInfo{ExitCode::CertExpired, "certificate-expired", "certificate expired / not yet valid",
                 "証明書の有効期限切れ / 有効期間の開始前"},
    ExitCodeInfo{ExitCode::CertRevoked, "certificate-revoked",
                 "certificate revoked, on hold or suspended",
                 "証明書の失効・保留・一時停止"},
    ExitCodeInfo{ExitCode::CertStatusUnknown, "certificate-status-unknown",
                 "revocation status unknown (fail-closed)",
                 "失効状態が不明です（fail-closed）"},
    ExitCodeInfo{ExitCode::SetupIncomplete, "setup-incomplete",
                 "setup: a browser database was not updated (--check: not registered everywhere)",
                 "setup: ブラウザーのデータベースを更新できませんでした（--check: 未登録の場所があります）"},
    ExitCodeInfo{ExitCode::Usage, "usage", "command-line usage error, or no PIN source in non-interactive use",
                 "コマンドラインの誤り、または非対話で暗証番号の入力元がありません"},
    ExitCodeInfo{ExitCode::DataError, "data-error", "malformed input data",
                 "入力データが不正です"},
    ExitCodeInfo{ExitCode::Io, "io", "file I/O error",
                 "ファイルの入出力エラー"},
    ExitCodeInfo{ExitCode::Config, "config", "invalid configuration file",
                 "設定ファイルが不正です"},
};

}  // namespace

const char* exit_code_name(ExitCode code) noexcept
{
    for (const auto& info : kExitCodes)
        if (info.code == code) return info.name;
    return "failure";
}

std::string exit_code_table(const Messages& msg)
{
    std::string table = msg(Msg::HelpExitCodes) + "\n";
    for (const auto& info : kExitCodes) {
        char number[16];
        std::snprintf(number, sizeof number, "  %3d  ", to_int(info.code));
        table += number;
        table += msg.lang() == Lang::Ja ? info.description_ja : info.description;
        table += '\n';
    }
    return table;
}

}  // namespace mynacard::cli
