// The message catalogue: every sentence card-cp shows a person, in English and Japanese
// (messages.cpp). Language: --lang, else LC_ALL, LC_MESSAGES, LANG (POSIX precedence);
// a value starting with "ja" selects Japanese. JSON output is never translated.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace mynacard::cli {

enum class Lang { En, Ja };

enum class Msg {
    // errors
    ErrNoService,
    ErrNoReader,
    ErrReaderNotFound,
    ErrNoCard,
    ErrNoMyNumberCard,
    ErrNotSupported,
    ErrNoSuchKey,
    ErrCardCommunication,
    ErrPinIncorrect,
    ErrPinIncorrectLast,
    ErrPinLocked,
    ErrPinNowLocked,
    HintAuthLocked,
    HintSignLocked,
    HintKenhojoLocked,
    ErrFinalTryRefused,
    HintFinalTryFlag,
    ErrFinalTryDeniedByConfig,
    ErrPinFormatDigits,
    ErrPinFormatSign,
    ErrPinFormatNewSign,
    ErrPinMismatch,
    ErrNoPinSource,
    ErrPinCancelled,
    ErrPinSourceRead,
    WarnPinFilePermissions,
    ErrCertExpired,
    ErrCertNotYetValid,
    HintRenewCertificate,
    ErrReadFile,
    ErrWriteFile,
    ErrConfig,
    ErrGeneric,
    ErrSignatureInvalid,
    ErrNotTrusted,
    ErrNoAnchors,
    WarnTestAnchorSkipped,
    ErrBadCertificateFile,
    ErrBadSignatureFile,
    ErrNeedCertForRaw,
    ErrRefuseBinaryToTerminal,
    ErrPersonalDataOnlySign,
    ErrCertRevoked,
    ErrCertStatusUnknown,
    WarnCertStatusUnknown,
    WarnLogoutFailed,
    // PIN names and prompts
    NameAuthPin,
    NameSignPin,
    NameKenhojoPin,
    PromptAuthPin,
    PromptSignPassword,
    PromptKenhojoPin,
    PromptCurrent,
    PromptNew,
    PromptNewAgain,
    RuleNewSignPassword,
    TriesLeft,
    TriesNotReported,
    FinalTryWarning,
    FinalTryConfirm,
    // progress
    ProgressConnecting,
    ProgressReadingCert,
    ProgressVerifyingPin,
    ProgressSigning,
    ProgressChangingPin,
    ProgressReadingKenhojo,
    ProgressCheckingStatus,
    // readers / status
    LblReader,
    LblNoReaders,
    LblCardAbsent,
    LblCardKind,
    LblCardLabel,
    LblCardSerial,
    LblCertificates,
    LblPins,
    LblValidUntil,
    LblExpiredOn,
    LblNeedsPassword,
    LblNotIssued,
    LblUnreadable,
    LblRevocation,
    PinStateOk,
    PinStateCountLow,
    PinStateFinalTry,
    PinStateLocked,
    PinStateVerified,
    // certificates
    LblSubject,
    LblIssuer,
    LblSerial,
    LblValidFrom,
    LblKey,
    LblPersonalData,
    LblName,
    LblNameSubstitute,
    LblAddress,
    LblAddressSubstitute,
    LblBirthDate,
    LblSex,
    PersonalDataHidden,
    CertWritten,
    // sign / verify / pin / kenhojo
    SignWritten,
    VerifyValid,
    VerifySigner,
    VerifySigningTime,
    VerifyTrustedBy,
    PinChanged,
    KenhojoWarning,
    LblMyNumber,
    SexMale,
    SexFemale,
    SexNotApplicable,
    SexUnknown,
    // revocation
    SuspendedAdded,
    SuspendedRemoved,
    SuspendedNone,
    Count_  ///< keep last
};

class Messages {
public:
    explicit Messages(Lang lang = Lang::En) : m_lang(lang) {}
    /// From --lang ("en"/"ja") when given, else the environment.
    static Lang choose(const std::optional<std::string>& override_lang);

    Lang lang() const noexcept { return m_lang; }
    /// The text with {0}, {1}, ... replaced by `args`.
    std::string operator()(Msg id, std::initializer_list<std::string_view> args = {}) const;

    /// Raw catalogue access (tests check every entry exists in both languages).
    static const char* text(Msg id, Lang lang) noexcept;

private:
    Lang m_lang;
};

}  // namespace mynacard::cli
