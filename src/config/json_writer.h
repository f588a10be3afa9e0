// File: src/config/json_writer.h
//
// JsonWriter: a small streaming JSON writer for the `show` renderers (objects, arrays,
// strings with escaping, integers, booleans, null). Internal to the config layer.
#ifndef TUNNELISA_SRC_CONFIG_JSON_WRITER_H_
#define TUNNELISA_SRC_CONFIG_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tunnelisa::config::internal {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Field helpers: Key + value.
  JsonWriter& Field(std::string_view key, std::string_view value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, const char* value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, uint64_t value) { return Key(key).Uint(value); }
  JsonWriter& Field(std::string_view key, uint32_t value) { return Key(key).Uint(value); }
  JsonWriter& Field(std::string_view key, int value) { return Key(key).Int(value); }
  JsonWriter& Field(std::string_view key, bool value) { return Key(key).Bool(value); }
  // OptionalField: the string, or null when empty.
  JsonWriter& OptionalField(std::string_view key, std::string_view value);
  // Take: the document followed by a newline.
  std::string Take();

 private:
  void Separate();
  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written yet
  bool after_key_ = false;
};

}  // namespace tunnelisa::config::internal

#endif  // TUNNELISA_SRC_CONFIG_JSON_WRITER_H_
