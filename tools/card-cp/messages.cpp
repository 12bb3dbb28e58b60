// The catalogue. One row per message: id, English, Japanese. Placeholders {0}, {1}, ...
#include "messages.hpp"

#include <array>
#include <cstdlib>
#include <string>

namespace mynacard::cli {
namespace {

struct Row {
    Msg id;
    const char* en;
    const char* ja;
};

constexpr std::array kRows{
    // --- errors
    Row{Msg::ErrNoService, "The PC/SC service (pcscd) is not reachable.",
        "PC/SC サービス (pcscd) に接続できません。"},
    Row{Msg::ErrNoReader, "No smart-card reader found.", "カードリーダーが見つかりません。"},
    Row{Msg::ErrReaderNotFound, "No reader matches \"{0}\". Readers: {1}",
        "\"{0}\" に一致するカードリーダーがありません。リーダー: {1}"},
    Row{Msg::ErrNoCard, "No card in the reader.", "カードリーダーにカードがありません。"},
    Row{Msg::ErrNoMyNumberCard, "No My Number card found ({0}).",
        "マイナンバーカードが見つかりません（{0}）。"},
    Row{Msg::ErrNotSupported, "This card is not supported: {0}",
        "このカードには対応していません: {0}"},
    Row{Msg::ErrNoSuchKey,
        "This card has no {0} (cards issued to children under 15 carry no signing certificate).",
        "このカードには {0} がありません（15歳未満のカードには署名用電子証明書がありません）。"},
    Row{Msg::ErrCardCommunication, "Communication with the card failed: {0}",
        "カードとの通信に失敗しました: {0}"},
    Row{Msg::ErrPinIncorrect, "Wrong {0}. {1} tries left.",
        "{0}が違います。残り {1} 回です。"},
    Row{Msg::ErrPinIncorrectLast,
        "Wrong {0}. Only 1 try left: the next wrong entry locks it.",
        "{0}が違います。残り 1 回です。次に間違えるとロックされます。"},
    Row{Msg::ErrPinLocked, "The {0} is locked. Nothing was sent to the card.",
        "{0}はロックされています。カードには何も送信していません。"},
    Row{Msg::ErrPinNowLocked, "Wrong {0}. It is now locked.",
        "{0}が違います。ロックされました。"},
    Row{Msg::HintAuthLocked,
        "To unlock it: your municipal office (bring the card and photo ID), or the J-LIS kiosk "
        "reset service at some convenience stores (JPKI暗証番号リセット), which needs your signing "
        "password.",
        "解除するには: 市区町村の窓口（カードと本人確認書類を持参）、または一部のコンビニの "
        "J-LIS キオスク端末による初期化サービス（JPKI暗証番号リセット、署名用パスワードが必要）をご利用ください。"},
    Row{Msg::HintSignLocked,
        "To unlock it: your municipal office (bring the card and photo ID), or the J-LIS kiosk "
        "reset service at some convenience stores (JPKI暗証番号リセット), which needs your "
        "user-authentication PIN.",
        "解除するには: 市区町村の窓口（カードと本人確認書類を持参）、または一部のコンビニの "
        "J-LIS キオスク端末による初期化サービス（JPKI暗証番号リセット、利用者証明用暗証番号が必要）をご利用ください。"},
    Row{Msg::HintKenhojoLocked,
        "To unlock it: your municipal office only (bring the card and photo ID); kiosks cannot "
        "reset this PIN.",
        "解除するには市区町村の窓口（カードと本人確認書類を持参）のみです。キオスク端末では初期化できません。"},
    Row{Msg::ErrFinalTryRefused,
        "Not trying: only one try is left for the {0} and a wrong entry would lock it.",
        "{0}の残り回数が 1 回のため中止しました。間違えるとロックされます。"},
    Row{Msg::HintFinalTryFlag,
        "To spend the last try without a terminal, add --allow-final-try.",
        "端末なしで最後の 1 回を使うには --allow-final-try を指定してください。"},
    Row{Msg::ErrFinalTryDeniedByConfig,
        "The configuration ([pin] final_try = deny) forbids spending the last try.",
        "設定（[pin] final_try = deny）により最後の 1 回は使えません。"},
    Row{Msg::ErrPinFormatDigits,
        "The {0} must be exactly 4 digits. Nothing was sent to the card.",
        "{0}は数字 4 桁です。カードには何も送信していません。"},
    Row{Msg::ErrPinFormatSign,
        "The signing password must be 6 to 16 characters, letters A-Z and digits 0-9. Nothing "
        "was sent to the card.",
        "署名用パスワードは英大文字 A-Z と数字 0-9 の 6〜16 文字です。カードには何も送信していません。"},
    Row{Msg::ErrPinFormatNewSign,
        "The new signing password must be 6 to 16 characters from A-Z and 0-9 and contain both "
        "letters and digits. Nothing was sent to the card.",
        "新しい署名用パスワードは A-Z と 0-9 の 6〜16 文字で、英字と数字の両方を含む必要があります。"
        "カードには何も送信していません。"},
    Row{Msg::ErrPinMismatch, "The two new entries differ. Nothing was changed.",
        "新しい値が一致しません。変更していません。"},
    Row{Msg::ErrNoPinSource,
        "Cannot ask for the {0}: there is no terminal. Use --pin-fd, --pin-file or the "
        "environment variable {1}.",
        "{0}を入力する端末がありません。--pin-fd、--pin-file または環境変数 {1} を使ってください。"},
    Row{Msg::ErrPinCancelled, "PIN entry cancelled. Nothing was sent to the card.",
        "入力が中止されました。カードには何も送信していません。"},
    Row{Msg::ErrPinSourceRead, "Cannot read the PIN from {0}: {1}",
        "{0} から暗証番号を読めません: {1}"},
    Row{Msg::WarnPinFilePermissions,
        "Warning: {0} is readable by other users; restrict it with chmod 600.",
        "警告: {0} は他のユーザーも読めます。chmod 600 で制限してください。"},
    Row{Msg::ErrCertExpired, "The {0} certificate expired on {1}.",
        "{0} 証明書は {1} に有効期限が切れています。"},
    Row{Msg::ErrCertNotYetValid, "The {0} certificate is not valid before {1}.",
        "{0} 証明書は {1} より前は有効ではありません。"},
    Row{Msg::HintRenewCertificate,
        "Certificates are renewed at your municipal office (from three months before expiry).",
        "電子証明書の更新は市区町村の窓口で行います（有効期限の 3 か月前から）。"},
    Row{Msg::ErrReadFile, "Cannot read {0}: {1}", "{0} を読めません: {1}"},
    Row{Msg::ErrWriteFile, "Cannot write {0}: {1}", "{0} に書き込めません: {1}"},
    Row{Msg::ErrConfig, "Configuration error: {0}", "設定エラー: {0}"},
    Row{Msg::ErrGeneric, "Error: {0}", "エラー: {0}"},
    Row{Msg::ErrSignatureInvalid, "The signature is NOT valid: {0}", "署名は無効です: {0}"},
    Row{Msg::ErrNotTrusted, "The signer certificate is not trusted: {0}",
        "署名者の証明書は信頼できません: {0}"},
    Row{Msg::ErrNoAnchors,
        "No trust anchors: configure [trust] anchors, install the J-LIS roots, or pass --ca.",
        "トラストアンカーがありません。[trust] anchors を設定するか、J-LIS ルート証明書を"
        "インストールするか、--ca を指定してください。"},
    Row{Msg::WarnTestAnchorSkipped,
        "Ignoring the test anchor {0} (O=JPKI-TEST); add --accept-test-hierarchy to trust it.",
        "テスト用アンカー {0}（O=JPKI-TEST）は無視します。信頼するには --accept-test-hierarchy を指定してください。"},
    Row{Msg::ErrBadCertificateFile, "{0} does not hold a certificate (PEM or DER).",
        "{0} に証明書（PEM または DER）がありません。"},
    Row{Msg::ErrBadSignatureFile, "{0} is not a CMS/PKCS#7 signature: {1}",
        "{0} は CMS/PKCS#7 署名ではありません: {1}"},
    Row{Msg::ErrNeedCertForRaw, "A raw signature needs the signer certificate (--cert).",
        "生の署名の検証には署名者の証明書（--cert）が必要です。"},
    Row{Msg::ErrRefuseBinaryToTerminal,
        "Refusing to write binary data to a terminal; use --output FILE.",
        "バイナリデータを端末に出力しません。--output FILE を指定してください。"},
    Row{Msg::ErrPersonalDataOnlySign,
        "Only the signing certificate carries personal data.",
        "個人情報を含むのは署名用電子証明書だけです。"},
    Row{Msg::ErrCertRevoked, "The {0} certificate must not be used: {1}",
        "{0} 証明書は使用できません: {1}"},
    Row{Msg::ErrCertStatusUnknown,
        "The revocation status of the {0} certificate is unknown and the policy is fail-closed: {1}",
        "{0} 証明書の失効状態が不明で、ポリシーが fail-closed のため使用できません: {1}"},
    Row{Msg::WarnCertStatusUnknown, "Warning: revocation status of the {0} certificate unknown: {1}",
        "警告: {0} 証明書の失効状態が不明です: {1}"},
    Row{Msg::WarnLogoutFailed, "Warning: could not end the card session: {0}",
        "警告: カードのセッションを終了できませんでした: {0}"},
    // --- PIN names and prompts
    Row{Msg::NameAuthPin, "user-authentication PIN", "利用者証明用暗証番号"},
    Row{Msg::NameSignPin, "signing password", "署名用パスワード"},
    Row{Msg::NameKenhojoPin, "Kenhojo PIN", "券面事項入力補助用暗証番号"},
    Row{Msg::PromptAuthPin, "User-authentication PIN (4 digits): ",
        "利用者証明用暗証番号（数字 4 桁）: "},
    Row{Msg::PromptSignPassword,
        "Signing password (6-16 characters, A-Z and 0-9; lower-case letters are converted to "
        "upper case): ",
        "署名用パスワード（英数字 6〜16 文字。小文字は大文字に変換されます）: "},
    Row{Msg::PromptKenhojoPin, "Kenhojo PIN (券面事項入力補助用, 4 digits): ",
        "券面事項入力補助用暗証番号（数字 4 桁）: "},
    Row{Msg::PromptCurrent, "Current {0}: ", "現在の{0}: "},
    Row{Msg::PromptNew, "New {0}: ", "新しい{0}: "},
    Row{Msg::PromptNewAgain, "New {0} again: ", "新しい{0}（確認）: "},
    Row{Msg::RuleNewSignPassword,
        "The new signing password: 6-16 characters from A-Z and 0-9 with both letters and "
        "digits; lower-case letters are converted to upper case.",
        "新しい署名用パスワード: A-Z と 0-9 の 6〜16 文字で英字と数字の両方を含めてください。"
        "小文字は大文字に変換されます。"},
    Row{Msg::TriesLeft, "{0}: {1} of {2} tries left.", "{0}: 残り {1} 回（最大 {2} 回）。"},
    Row{Msg::TriesNotReported, "{0}: already verified on this card (count not reported).",
        "{0}: このカードで照合済みです（残り回数は不明）。"},
    Row{Msg::FinalTryWarning,
        "WARNING: this is the LAST try for the {0}. A wrong entry locks it, and only the "
        "municipal office (or, for the JPKI PINs, a J-LIS kiosk) can unlock it.",
        "警告: {0}の残りは最後の 1 回です。間違えるとロックされ、解除は市区町村の窓口"
        "（JPKI の暗証番号は J-LIS キオスク端末でも可）でしかできません。"},
    Row{Msg::FinalTryConfirm, "Type \"yes\" to continue: ", "続けるには \"yes\" と入力してください: "},
    // --- progress
    Row{Msg::ProgressConnecting, "Connecting to the card…", "カードに接続しています…"},
    Row{Msg::ProgressReadingCert, "Reading the {0} certificate…", "{0} 証明書を読み取っています…"},
    Row{Msg::ProgressVerifyingPin, "Checking the {0}…", "{0}を照合しています…"},
    Row{Msg::ProgressSigning, "Signing on the card…", "カードで署名しています…"},
    Row{Msg::ProgressChangingPin, "Changing the {0}…", "{0}を変更しています…"},
    Row{Msg::ProgressReadingKenhojo, "Reading the Kenhojo data…", "券面事項入力補助情報を読み取っています…"},
    Row{Msg::ProgressCheckingStatus, "Checking the certificate status…", "証明書の状態を確認しています…"},
    // --- readers / status
    Row{Msg::LblReader, "Reader", "リーダー"},
    Row{Msg::LblNoReaders, "No readers.", "カードリーダーがありません。"},
    Row{Msg::LblCardAbsent, "no card", "カードなし"},
    Row{Msg::LblCardKind, "Card", "カード"},
    Row{Msg::LblCardLabel, "Token label", "トークンラベル"},
    Row{Msg::LblCardSerial, "Card identity", "カード識別子"},
    Row{Msg::LblCertificates, "Certificates", "電子証明書"},
    Row{Msg::LblPins, "PINs", "暗証番号"},
    Row{Msg::LblValidUntil, "valid until {0} ({1} days left)", "有効期限 {0}（残り {1} 日）"},
    Row{Msg::LblExpiredOn, "EXPIRED on {0}", "期限切れ（{0}）"},
    Row{Msg::LblNeedsPassword, "present (readable after the signing password)",
        "あり（署名用パスワードの入力後に読み取り可能）"},
    Row{Msg::LblNotIssued, "not issued", "発行されていません"},
    Row{Msg::LblPinNotRead,
        "not read: another program may be logged in to the card, and selecting this application "
        "could end its login (`card-cp pin status kenhojo` reads it)",
        "読み取っていません: 他のプログラムがカードにログイン中の可能性があり、このアプリを選択すると"
        "そのログインが切れることがあります（`card-cp pin status kenhojo` で読み取れます）"},
    Row{Msg::LblUnreadable, "unreadable: {0}", "読み取れません: {0}"},
    Row{Msg::LblRevocation, "revocation: {0}", "失効確認: {0}"},
    Row{Msg::LblRevocationTimes, "checked {0}, this update {1}, next update {2}",
        "確認 {0}、発行 {1}、次回更新 {2}"},
    Row{Msg::PinStateOk, "ok", "正常"},
    Row{Msg::PinStateCountLow, "count low", "残り回数が減っています"},
    Row{Msg::PinStateFinalTry, "FINAL TRY", "最後の 1 回"},
    Row{Msg::PinStateLocked, "LOCKED", "ロック中"},
    Row{Msg::PinStateVerified, "verified (count not reported)", "照合済み（残り回数不明）"},
    // --- certificates
    Row{Msg::LblSubject, "Subject", "主体者"},
    Row{Msg::LblIssuer, "Issuer", "発行者"},
    Row{Msg::LblSerial, "Serial", "シリアル番号"},
    Row{Msg::LblValidFrom, "Valid from", "有効期間の開始"},
    Row{Msg::LblKey, "Key", "鍵"},
    Row{Msg::LblPersonalData, "Personal data", "個人情報"},
    Row{Msg::LblName, "Name", "氏名"},
    Row{Msg::LblNameSubstitute, "Name (substitute characters)", "氏名（代替文字）"},
    Row{Msg::LblAddress, "Address", "住所"},
    Row{Msg::LblAddressSubstitute, "Address (substitute characters)", "住所（代替文字）"},
    Row{Msg::LblBirthDate, "Date of birth", "生年月日"},
    Row{Msg::LblSex, "Sex", "性別"},
    Row{Msg::PersonalDataHidden,
        "Personal data (name, address, date of birth, sex) hidden; add --show-personal-data to "
        "show it.",
        "個人情報（氏名・住所・生年月日・性別）は非表示です。表示するには --show-personal-data を指定してください。"},
    Row{Msg::CertWritten, "Wrote the {0} certificate to {1} ({2}).",
        "{0} 証明書を {1} に書き出しました（{2}）。"},
    // --- sign / verify / pin / kenhojo
    Row{Msg::SignWritten, "Signature written to {0} ({1}, {2}, {3} key).",
        "署名を {0} に書き出しました（{1}、{2}、{3} の鍵）。"},
    Row{Msg::VerifyValid, "Signature valid.", "署名は有効です。"},
    Row{Msg::VerifySigner, "Signer: {0}", "署名者: {0}"},
    Row{Msg::VerifySigningTime, "Signing time: {0}", "署名時刻: {0}"},
    Row{Msg::VerifyTrustedBy, "Trusted via: {0}", "トラストアンカー: {0}"},
    Row{Msg::PinChanged, "The {0} was changed.", "{0}を変更しました。"},
    Row{Msg::PinVerified, "The {0} is correct; the card logged it out again.",
        "{0}は正しいです。カードの認証状態は解除しました。"},
    Row{Msg::KenhojoWarning,
        "Warning: the following is sensitive personal data. Do not store, log or share it "
        "carelessly.",
        "警告: 以下は機微な個人情報です。不用意に保存・記録・共有しないでください。"},
    Row{Msg::LblMyNumber, "My Number", "個人番号"},
    Row{Msg::SexMale, "male", "男"},
    Row{Msg::SexFemale, "female", "女"},
    Row{Msg::SexNotApplicable, "not applicable", "適用不能"},
    Row{Msg::SexUnknown, "unknown", "不明"},
    // --- revocation
    Row{Msg::SuspendedAdded, "Added to the local suspended list: {0}",
        "ローカルの一時停止リストに追加しました: {0}"},
    Row{Msg::SuspendedRemoved, "Removed from the local suspended list: {0}",
        "ローカルの一時停止リストから削除しました: {0}"},
    Row{Msg::SuspendedNone, "The local suspended list is empty.", "ローカルの一時停止リストは空です。"},
    // --- command line
    Row{Msg::ErrUsage, "Command-line error: {0}", "コマンドラインの誤り: {0}"},
    Row{Msg::HintSeeHelp, "See card-cp --help, or card-cp COMMAND --help.",
        "card-cp --help または card-cp コマンド --help を参照してください。"},
    Row{Msg::ErrJsonAndStdout,
        "--json and --output - would both write to stdout; pass --output FILE.",
        "--json と --output - はどちらも標準出力に書き込みます。--output FILE を指定してください。"},
    Row{Msg::ErrNotRegularFile, "not a regular file", "通常のファイルではありません"},
    Row{Msg::ErrEndOfInput, "end of input", "入力がありません"},
    Row{Msg::ErrEmptyFile, "empty file", "空のファイルです"},
    Row{Msg::ErrNoSigner, "no signer", "署名者がありません"},
    Row{Msg::ErrNoSuspendedList,
        "No suspended list: set [local] suspended_list in the configuration or pass --list.",
        "一時停止リストがありません。設定の [local] suspended_list を設定するか --list を指定してください。"},
    Row{Msg::ErrSuspendSelector,
        "Name exactly one of --cert, --serial (with --issuer-keyid), --card, --card-serial.",
        "--cert、--serial（--issuer-keyid と共に）、--card、--card-serial のどれか 1 つだけを指定してください。"},
    Row{Msg::ErrSerialNeedsKeyId, "--serial needs --issuer-keyid.",
        "--serial には --issuer-keyid が必要です。"},
    Row{Msg::ErrNoAuthorityKeyId, "The certificate has no authority key identifier.",
        "この証明書には発行者の鍵識別子（AKI）がありません。"},
    Row{Msg::LblAlreadyListed, "(already listed)", "（登録済み）"},
    Row{Msg::LblNotListed, "(was not listed)", "（登録されていませんでした）"},
    Row{Msg::DecisionAllowed, "allowed", "使用可"},
    Row{Msg::DecisionAllowedWarning, "allowed with warning", "警告付きで使用可"},
    Row{Msg::DecisionRefused, "REFUSED", "使用不可"},
    Row{Msg::NoteTracePaused,
        "trace: paused while the Kenhojo data is read (personal data is never traced).",
        "trace: 券面事項入力補助情報の読み取り中は停止します（個人情報はトレースしません）。"},
    Row{Msg::HelpApp, "card-cp: use a Japanese My Number card (JPKI) from the command line",
        "card-cp: マイナンバーカード（公的個人認証 JPKI）をコマンドラインから使います"},
    Row{Msg::HelpHelp, "Print this help message and exit", "このヘルプを表示して終了します"},
    Row{Msg::HelpVersion, "Display program version information and exit",
        "バージョン情報を表示して終了します"},
    Row{Msg::HelpJson, "Machine-readable output on stdout (schema in card-cp(1))",
        "機械可読な JSON を標準出力に出します（スキーマは card-cp(1)）"},
    Row{Msg::HelpLang, "Message language: en or ja (default from LANG/LC_MESSAGES)",
        "メッセージの言語: en または ja（既定は LANG/LC_MESSAGES から）"},
    Row{Msg::HelpReader, "Reader name or unique part of it (default: first My Number card)",
        "カードリーダー名またはその一意な一部（既定: 最初のマイナンバーカード）"},
    Row{Msg::HelpTrace, "APDU trace on stderr (PINs redacted)",
        "APDU トレースを標準エラーに出します（暗証番号は伏せます）"},
    Row{Msg::HelpConfig,
        "Configuration file (default: $MYNACARD_CONFIG, ~/.config/mynacard/mynacard.conf, "
        "/etc/mynacard/mynacard.conf)",
        "設定ファイル（既定: $MYNACARD_CONFIG、~/.config/mynacard/mynacard.conf、"
        "/etc/mynacard/mynacard.conf）"},
    Row{Msg::HelpPinFd, "Read the PIN/password from this file descriptor (one line)",
        "暗証番号・パスワードをこのファイル記述子から読みます（1 行）"},
    Row{Msg::HelpPinFile, "Read the PIN/password from the first line of this file",
        "暗証番号・パスワードをこのファイルの先頭行から読みます"},
    Row{Msg::HelpNewPinFd, "pin change: read the new value from this descriptor",
        "pin change: 新しい値をこのファイル記述子から読みます"},
    Row{Msg::HelpNewPinFile, "pin change: read the new value from this file",
        "pin change: 新しい値をこのファイルから読みます"},
    Row{Msg::HelpAllowFinalTry,
        "Allow spending the last PIN try without an interactive confirmation",
        "対話的な確認なしで暗証番号の最後の 1 回を使うことを許可します"},
    Row{Msg::HelpOffline,
        "Suspension checks without network: no OCSP, no CRL URLs (CRL files and the local list still count)",
        "ネットワークを使わずに失効確認します（OCSP・CRL の URL は使わず、CRL ファイルとローカル一覧は使います）"},
    Row{Msg::HelpFooter,
        "PIN input: prompted on the terminal without echo. For scripts: --pin-fd N, --pin-file "
        "FILE or ${0} (new value: --new-pin-fd, --new-pin-file, ${1}). PINs are never accepted as "
        "command-line values.\n"
        "Tries left are shown before every PIN entry; the last try needs a typed \"yes\" or "
        "--allow-final-try.\n"
        "Language: --lang, else LC_ALL / LC_MESSAGES / LANG (ja* = Japanese).\n"
        "See card-cp(1) for the JSON output schema.",
        "暗証番号の入力: 端末でエコーせずに尋ねます。スクリプトからは --pin-fd N、--pin-file FILE "
        "または ${0}（新しい値は --new-pin-fd、--new-pin-file、${1}）。暗証番号をコマンドラインの値"
        "として受け付けることはありません。\n"
        "暗証番号を尋ねる前に残り回数を表示します。最後の 1 回には \"yes\" の入力か "
        "--allow-final-try が必要です。\n"
        "言語: --lang、なければ LC_ALL / LC_MESSAGES / LANG（ja で始まれば日本語）。\n"
        "JSON 出力のスキーマは card-cp(1) を参照してください。"},
    Row{Msg::HelpExitCodes, "Exit codes:", "終了コード:"},
    Row{Msg::HelpLabelUsage, "Usage", "使い方"},
    Row{Msg::HelpLabelOptions, "OPTIONS", "オプション"},
    Row{Msg::HelpLabelSubcommand, "SUBCOMMAND", "サブコマンド"},
    Row{Msg::HelpLabelRequired, "REQUIRED", "必須"},
    Row{Msg::HelpLabelPositionals, "Positionals", "引数"},
    Row{Msg::HelpGroupOptions, "Options", "オプション"},
    Row{Msg::HelpGroupSubcommands, "Subcommands", "サブコマンド"},
    Row{Msg::HelpReaders, "List readers, whether a card is present, and the card kind",
        "カードリーダー、カードの有無、カードの種類を表示します"},
    Row{Msg::HelpStatus, "Card identity, certificates and expiry, PIN tries left (spends no try)",
        "カード識別子、電子証明書と有効期限、暗証番号の残り回数（回数は減りません）"},
    Row{Msg::HelpCert, "Certificates: list, show, export (auth, auth-ca, sign, sign-ca)",
        "電子証明書: 一覧・表示・書き出し（auth、auth-ca、sign、sign-ca）"},
    Row{Msg::HelpCertList, "List the certificates with validity (no PIN needed)",
        "電子証明書と有効期限の一覧（暗証番号は不要）"},
    Row{Msg::HelpCertShow, "Subject, issuer, serial, validity, key, fingerprints",
        "主体者、発行者、シリアル番号、有効期間、鍵、フィンガープリントを表示します"},
    Row{Msg::HelpCertShowKind, "auth | auth-ca | sign | sign-ca (sign needs the signing password)",
        "auth | auth-ca | sign | sign-ca（sign には署名用パスワードが必要）"},
    Row{Msg::HelpShowPersonal,
        "Also show name, address, date of birth and sex from the signing certificate",
        "署名用電子証明書の氏名・住所・生年月日・性別も表示します"},
    Row{Msg::HelpCertExport, "Write a certificate as PEM or DER to a file or stdout",
        "電子証明書を PEM または DER でファイルか標準出力に書き出します"},
    Row{Msg::HelpCertExportKind, "auth | auth-ca | sign | sign-ca (sign needs the signing password)",
        "auth | auth-ca | sign | sign-ca（sign には署名用パスワードが必要）"},
    Row{Msg::HelpCertOutput, "Output file, - for stdout (default)",
        "出力ファイル。- は標準出力（既定）"},
    Row{Msg::HelpCertFormat, "pem (default) or der", "pem（既定）または der"},
    Row{Msg::HelpSign, "Sign a file: detached CMS (default) or raw PKCS#1 v1.5",
        "ファイルに署名します: 分離型 CMS（既定）または生の PKCS#1 v1.5"},
    Row{Msg::HelpSignFile, "File to sign", "署名するファイル"},
    Row{Msg::HelpSignKey, "sign (default; signing password) or auth (auth PIN)",
        "sign（既定。署名用パスワード）または auth（利用者証明用暗証番号）"},
    Row{Msg::HelpSignHash, "sha256 (default), sha384 or sha512",
        "sha256（既定）、sha384 または sha512"},
    Row{Msg::HelpSignFormat, "cms (default: detached SignedData, DER) or raw",
        "cms（既定: 分離型 SignedData、DER）または raw"},
    Row{Msg::HelpSignPem, "Write the CMS output PEM-armoured", "CMS を PEM 形式で書き出します"},
    Row{Msg::HelpSignOutput, "Output file (default FILE.p7s / FILE.sig; - = stdout)",
        "出力ファイル（既定 FILE.p7s / FILE.sig。- は標準出力）"},
    Row{Msg::HelpVerify, "Verify a CMS or raw signature over a file and the signer's chain",
        "ファイルに対する CMS または生の署名と、署名者の証明書チェーンを検証します"},
    Row{Msg::HelpVerifyFile, "The signed file", "署名されたファイル"},
    Row{Msg::HelpVerifySignature, "Signature file (CMS DER/PEM, or raw)",
        "署名ファイル（CMS の DER/PEM、または生の署名）"},
    Row{Msg::HelpVerifyFormat, "auto (default: CMS if it parses), cms or raw",
        "auto（既定: CMS として読めれば CMS）、cms または raw"},
    Row{Msg::HelpVerifyCert, "Signer certificate, or a file with the chain (needed for raw; optional for CMS)",
        "署名者の証明書、またはチェーンを含むファイル（raw では必須、CMS では任意）"},
    Row{Msg::HelpVerifyChain, "Intermediate certificates (untrusted helpers)",
        "中間証明書（信頼はせず、チェーンの構築にだけ使います）"},
    Row{Msg::HelpVerifyCa, "Extra trust anchor file(s) (PEM or DER)",
        "追加のトラストアンカーのファイル（PEM または DER）"},
    Row{Msg::HelpVerifyNoDefault, "Ignore [trust] anchors and the shipped J-LIS roots; use only --ca",
        "[trust] anchors と同梱の J-LIS ルート証明書を使わず、--ca だけを使います"},
    Row{Msg::HelpVerifyTest, "Trust anchors of the O=JPKI-TEST hierarchy (test cards only)",
        "O=JPKI-TEST 階層のアンカーを信頼します（テスト用カードのみ）"},
    Row{Msg::HelpVerifyHash, "Hash of a raw signature: sha256 (default), sha384, sha512",
        "生の署名のハッシュ: sha256（既定）、sha384、sha512"},
    Row{Msg::HelpPin, "PIN tries left, and PIN change (auth, sign, kenhojo)",
        "暗証番号の残り回数と変更（auth、sign、kenhojo）"},
    Row{Msg::HelpPinStatus, "Tries left for each PIN (spends no try)",
        "各暗証番号の残り回数（回数は減りません）"},
    Row{Msg::HelpPinStatusKind, "auth, sign, kenhojo (default: all)",
        "auth、sign、kenhojo（既定: すべて）"},
    Row{Msg::HelpPinChange,
        "Change a PIN: current value, then the new one (--new-pin-fd/--new-pin-file/MYNACARD_NEW_PIN)",
        "暗証番号を変更します: 現在の値、次に新しい値（--new-pin-fd/--new-pin-file/MYNACARD_NEW_PIN）"},
    Row{Msg::HelpPinChangeKind, "auth, sign or kenhojo", "auth、sign または kenhojo"},
    Row{Msg::HelpPinVerify,
        "Check a PIN against the card (a correct PIN refills its counter); the way to spend a last "
        "try the PKCS#11 module refuses",
        "暗証番号をカードで確認します（正しければ残り回数が戻ります）。PKCS#11 モジュールが拒む最後の 1 回はここで使えます"},
    Row{Msg::HelpPinVerifyKind, "auth, sign or kenhojo", "auth、sign または kenhojo"},
    Row{Msg::HelpMyNumber, "Show the 12-digit My Number (Kenhojo PIN; sensitive)",
        "12 桁の個人番号を表示します（券面事項入力補助用暗証番号。機微情報）"},
    Row{Msg::HelpAttributes,
        "Show name, address, date of birth, sex from the Kenhojo AP (Kenhojo PIN; sensitive)",
        "券面事項入力補助 AP の氏名・住所・生年月日・性別を表示します（券面事項入力補助用暗証番号。機微情報）"},
    Row{Msg::HelpCheck,
        "Suspension/revocation status of the certificates (validity, anchors, local list, OCSP, CRL)",
        "電子証明書の一時停止・失効の状態（有効期間、アンカー、ローカルリスト、OCSP、CRL）"},
    Row{Msg::HelpCheckKind,
        "auth, sign (sign asks for the password; default: both, sign only when readable without it)",
        "auth、sign（sign はパスワードを尋ねます。既定: 両方。sign はパスワードなしで読める場合のみ）"},
    Row{Msg::HelpSuspend, "Add a certificate or card to the local suspended list",
        "電子証明書またはカードをローカルの一時停止リストに追加します"},
    Row{Msg::HelpUnsuspend, "Remove a certificate or card from the local suspended list",
        "電子証明書またはカードをローカルの一時停止リストから削除します"},
    Row{Msg::HelpSuspended, "The local suspended list", "ローカルの一時停止リスト"},
    Row{Msg::HelpSuspendedList, "Show the entries of the local suspended list",
        "ローカルの一時停止リストの項目を表示します"},
    Row{Msg::HelpSelCert, "auth or sign: the certificate on the card in the reader",
        "auth または sign: リーダーにあるカードの電子証明書"},
    Row{Msg::HelpSelSerial, "Certificate serial (hex), with --issuer-keyid",
        "証明書のシリアル番号（16 進）。--issuer-keyid と共に指定"},
    Row{Msg::HelpSelIssuerKeyId, "Issuer key identifier (hex; the certificate's AKI)",
        "発行者の鍵識別子（16 進。証明書の AKI）"},
    Row{Msg::HelpSelCard, "The whole card in the reader (its identity serial)",
        "リーダーにあるカード全体（カード識別子）"},
    Row{Msg::HelpSelCardSerial, "A whole card by its identity serial", "カード識別子で指定するカード全体"},
    Row{Msg::HelpListFile, "List file (default: [local] suspended_list)",
        "リストファイル（既定: [local] suspended_list）"},
    Row{Msg::HelpReason, "hold, revoked, lost, suspended (default), other",
        "hold、revoked、lost、suspended（既定）、other"},
    Row{Msg::HelpNote, "Free text (no personal data)", "自由記述（個人情報は書かないでください）"},
    Row{Msg::ErrUnknownCommand, "Unknown command \"{0}\". Commands: {1}",
        "\"{0}\" というコマンドはありません。コマンド: {1}"},
    Row{Msg::ErrMissingCommand, "A command is needed here: {0}", "コマンドを指定してください: {0}"},
    // --- setup
    Row{Msg::HelpSetup, "Register the card with this user's Firefox and Chromium (no root needed)",
        "このユーザーの Firefox と Chromium にカードを登録します（root 権限は不要）"},
    Row{Msg::HelpSetupRemove, "Remove the registration again",
        "登録を解除します"},
    Row{Msg::HelpSetupCheck, "Only report: where the module is registered, the module, pcscd, readers, card",
        "報告のみ: モジュールの登録先、モジュール、pcscd、カードリーダー、カードの有無"},
    Row{Msg::HelpSetupModule, "The PKCS#11 module file to register (default: the installed one)",
        "登録する PKCS#11 モジュールのファイル（既定: インストール済みのもの）"},
    Row{Msg::HelpSetupKeepSign, "Keep the signing token usable in the browsers (they then ask for the signing password on pages that request a certificate)",
        "署名用のトークンもブラウザーで使えるようにします（証明書を求めるページで署名用パスワードを尋ねられるようになります）"},
    Row{Msg::SetupFirefox, "Firefox",
        "Firefox"},
    Row{Msg::SetupChromium, "Chromium",
        "Chromium"},
    Row{Msg::SetupModuleLine, "Module: {0} ({1})",
        "モジュール: {0}（{1}）"},
    Row{Msg::SetupModuleMissing, "The PKCS#11 module {0} does not exist.",
        "PKCS#11 モジュール {0} がありません。"},
    Row{Msg::HintSetupModule, "Install the mynacard package, or name the module with --module PATH.",
        "mynacard パッケージをインストールするか、--module PATH でモジュールを指定してください。"},
    Row{Msg::SetupModuleUnloadable, "The PKCS#11 module {0} cannot be loaded: {1}",
        "PKCS#11 モジュール {0} を読み込めません: {1}"},
    Row{Msg::SetupToolMissing, "{0} is not installed (Debian package libnss3-tools).",
        "{0} がインストールされていません（Debian パッケージ libnss3-tools）。"},
    Row{Msg::SetupNoHome, "HOME is not set: cannot find the browser databases.",
        "HOME が設定されていないため、ブラウザーのデータベースが見つかりません。"},
    Row{Msg::SetupAdded, "registered",
        "登録しました"},
    Row{Msg::SetupCreated, "registered (database created)",
        "登録しました（データベースを作成）"},
    Row{Msg::SetupPresent, "already registered",
        "登録済みです"},
    Row{Msg::SetupUpdated, "registration updated",
        "登録を更新しました"},
    Row{Msg::SetupRemoved, "registration removed",
        "登録を解除しました"},
    Row{Msg::SetupNotPresent, "not registered (nothing to remove)",
        "登録されていません（解除するものはありません）"},
    Row{Msg::SetupSkipped, "skipped: {0}",
        "スキップ: {0}"},
    Row{Msg::SetupFailed, "failed: {0}",
        "失敗: {0}"},
    Row{Msg::SetupNoFirefox, "No Firefox profile found (~/.mozilla/firefox/profiles.ini); run setup again after Firefox has been started once.",
        "Firefox のプロファイルが見つかりません（~/.mozilla/firefox/profiles.ini）。Firefox を一度起動してから、もう一度 setup を実行してください。"},
    Row{Msg::SetupRestart, "{0} is running (process {1}): restart it so that it loads the change.",
        "{0} が動作中です（プロセス {1}）。変更を読み込むために再起動してください。"},
    Row{Msg::SetupSignDisabled, "Web logins ask for the user-authentication PIN only; the signing token is not offered to the browsers (--keep-sign-token offers it).",
        "Web ログインでは利用者証明用暗証番号だけを尋ねます。署名用のトークンはブラウザーには見せません（--keep-sign-token で見せます）。"},
    Row{Msg::SetupSignKept, "The signing token stays usable in the browsers: pages that request a certificate also ask for the signing password.",
        "署名用のトークンもブラウザーで使えます。証明書を求めるページでは署名用パスワードも尋ねられます。"},
    Row{Msg::SetupSomeFailed, "Some browser databases could not be updated (see above).",
        "一部のブラウザーのデータベースを更新できませんでした（上記を参照）。"},
    Row{Msg::SetupCheckRegistered, "registered",
        "登録済み"},
    Row{Msg::SetupCheckNotRegistered, "not registered (run card-cp setup)",
        "未登録（card-cp setup を実行してください）"},
    Row{Msg::SetupCheckNoDatabase, "no database yet (card-cp setup creates it)",
        "データベースがまだありません（card-cp setup が作成します）"},
    Row{Msg::SetupCheckOutdated, "registered with another module file or other settings ({0}): run card-cp setup",
        "別のモジュールファイルまたは別の設定で登録されています（{0}）。card-cp setup を実行してください"},
    Row{Msg::SetupCheckPcscd, "pcscd: {0}",
        "pcscd: {0}"},
    Row{Msg::SetupCheckReachable, "reachable",
        "接続できます"},
    Row{Msg::SetupCheckCardPresent, "card present",
        "カードあり"},
    Row{Msg::SetupCheckRunning, "{0} is running (process {1}).",
        "{0} が動作中です（プロセス {1}）。"},
};

static_assert(kRows.size() == static_cast<std::size_t>(Msg::Count_),
              "every Msg needs exactly one catalogue row");

constexpr bool rows_in_order()
{
    for (std::size_t i = 0; i < kRows.size(); ++i)
        if (static_cast<std::size_t>(kRows[i].id) != i) return false;
    return true;
}
static_assert(rows_in_order(), "catalogue rows must follow the order of enum Msg");

bool starts_with_ja(const char* value)
{
    return value != nullptr && value[0] == 'j' && value[1] == 'a';
}

}  // namespace

Lang Messages::choose(const std::optional<std::string>& override_lang)
{
    if (override_lang) return *override_lang == "ja" ? Lang::Ja : Lang::En;
    // POSIX: the first non-empty of LC_ALL, LC_MESSAGES, LANG decides.
    for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
        const char* value = std::getenv(name);
        if (value != nullptr && *value != '\0') return starts_with_ja(value) ? Lang::Ja : Lang::En;
    }
    return Lang::En;
}

const char* Messages::text(Msg id, Lang lang) noexcept
{
    const auto index = static_cast<std::size_t>(id);
    if (index >= kRows.size()) return "";
    return lang == Lang::Ja ? kRows[index].ja : kRows[index].en;
}

std::string Messages::operator()(Msg id, std::initializer_list<std::string_view> args) const
{
    const std::string_view pattern = text(id, m_lang);
    std::string out;
    out.reserve(pattern.size() + 32);
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '{' && i + 2 < pattern.size() && pattern[i + 2] == '}' &&
            pattern[i + 1] >= '0' && pattern[i + 1] <= '9') {
            const auto n = static_cast<std::size_t>(pattern[i + 1] - '0');
            if (n < args.size()) out += *(args.begin() + n);
            i += 2;
            continue;
        }
        out += pattern[i];
    }
    return out;
}

}  // namespace mynacard::cli
