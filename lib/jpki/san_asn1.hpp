// libtasn1 definitions for the SubjectAltName of the JPKI signing certificate.
// Source: lib/jpki/mynacard_san.asn; the array is the output of
//   asn1Parser -o out.c -n mynacard_san_asn1_tab mynacard_san.asn   (libtasn1-bin 4.19)
// copied verbatim (regenerate it when the .asn changes).
#pragma once

#include <libtasn1.h>

namespace mynacard::jpki {

inline const asn1_static_node mynacard_san_asn1_tab[] = {
  { "MYNACARD-SAN", 536875024, nullptr },
  { nullptr, 1073741836, nullptr },
  { "GeneralNames", 1612709899, nullptr },
  { "MAX", 1074266122, "1"},
  { nullptr, 2, "GeneralName"},
  { "GeneralName", 1610612754, nullptr },
  { "otherName", 1610620930, "AnotherName"},
  { nullptr, 4104, "0"},
  { "rfc822Name", 1610620957, nullptr },
  { nullptr, 4104, "1"},
  { "dNSName", 1610620957, nullptr },
  { nullptr, 4104, "2"},
  { "x400Address", 1610620941, nullptr },
  { nullptr, 4104, "3"},
  { "directoryName", 1610620941, nullptr },
  { nullptr, 2056, "4"},
  { "ediPartyName", 1610620941, nullptr },
  { nullptr, 4104, "5"},
  { "uniformResourceIdentifier", 1610620957, nullptr },
  { nullptr, 4104, "6"},
  { "iPAddress", 1610620935, nullptr },
  { nullptr, 4104, "7"},
  { "registeredID", 536879116, nullptr },
  { nullptr, 4104, "8"},
  { "AnotherName", 536870917, nullptr },
  { "type-id", 1073741836, nullptr },
  { "value", 541073421, nullptr },
  { nullptr, 1073743880, "0"},
  { "type-id", 1, nullptr },
  { nullptr, 0, nullptr }
};

}  // namespace mynacard::jpki
