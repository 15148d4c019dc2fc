// Warning: what normalisation ("point check", model/check.h) reports about a point it changed.
// `type` is one of DataKit's warning type names (the kWarn* constants); `message` says what
// happened. Warnings travel back to clients in echo=pbjson answers and, in strict mode,
// become a 400 datakit.pointGotWarning error.
#pragma once

#include <string>
#include <string_view>

namespace sextant::model {

struct Warning {
  std::string type;
  std::string message;
  bool operator==(const Warning&) const = default;
};

// DataKit's warning type names (reference §2.3), spelled exactly as on the wire.
inline constexpr std::string_view kWarnExceedMaxTags = "exceed_max_tags";
inline constexpr std::string_view kWarnExceedMaxFields = "exceed_max_fields";
inline constexpr std::string_view kWarnNoField = "no_field";
inline constexpr std::string_view kWarnExceedMaxTagKeyLen = "exceed_max_tag_key_len";
inline constexpr std::string_view kWarnExceedMaxTagValueLen = "exceed_max_tag_value_len";
inline constexpr std::string_view kWarnExceedMaxFieldKeyLen = "exceed_max_field_key_len";
inline constexpr std::string_view kWarnExceedMaxFieldValueLen = "exceed_max_field_value_len";
inline constexpr std::string_view kWarnExceedMaxFieldValueInt = "exceed_max_field_value_int";
inline constexpr std::string_view kWarnConvertInfToMax = "convert_inf_to_max_value";
inline constexpr std::string_view kWarnConvertInfToMin = "convert_inf_to_min_value";
inline constexpr std::string_view kWarnInvalidUtf8 = "invalid_utf8_string";
inline constexpr std::string_view kWarnExceedTagKeyValueCompose =
    "exceed_max_tag_key_value_compose";
inline constexpr std::string_view kWarnInvalidTagKey = "invalid_tag_key";
inline constexpr std::string_view kWarnInvalidTagValue = "invalid_tag_value";
inline constexpr std::string_view kWarnInvalidMeasurement = "invalid_measurement";
inline constexpr std::string_view kWarnInvalidFieldValueType = "invalid_field_value_type";
inline constexpr std::string_view kWarnAddRequiredKV = "add_required_kv";
inline constexpr std::string_view kWarnFieldDisabled = "field_disabled";
inline constexpr std::string_view kWarnTagDisabled = "tag_disabled";
inline constexpr std::string_view kWarnSameTagFieldKey = "same_tag_field_key";
inline constexpr std::string_view kWarnKeyNameConflict = "key_name_conflict";
inline constexpr std::string_view kWarnDotInKey = "dot_in_key";
inline constexpr std::string_view kWarnNewLineOrTailEscape = "found_new_line_or_tail_espace";
inline constexpr std::string_view kWarnFieldBase64Encoded = "field_base64_encoded";
inline constexpr std::string_view kWarnNilField = "nil_field";

}  // namespace sextant::model
