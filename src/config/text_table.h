// File: src/config/text_table.h
//
// TextTable: the router's `show` layout: a '=' rule, the title, a '=' rule, column headings,
// a '-' rule, the rows, a '-' rule, a count line, a '=' rule. A record may span several
// lines (the router prints wide tables that way); each line of a record has its own columns,
// aligned across records, and lines after the first are indented by two spaces. Internal.
#ifndef TUNNELISA_SRC_CONFIG_TEXT_TABLE_H_
#define TUNNELISA_SRC_CONFIG_TEXT_TABLE_H_

#include <string>
#include <vector>

namespace tunnelisa::config::internal {

using TableLine = std::vector<std::string>;

class TextTable {
 public:
  TextTable(std::string title, std::vector<TableLine> headings)
      : title_(std::move(title)), headings_(std::move(headings)) {}
  // AddRecord: one line per heading line.
  void AddRecord(std::vector<TableLine> record) { records_.push_back(std::move(record)); }
  // Render: with `footer` (e.g. "No. of IP Tunnels: 2") after the rows.
  std::string Render(const std::string& footer) const;

 private:
  std::string title_;
  std::vector<TableLine> headings_;
  std::vector<std::vector<TableLine>> records_;
};

// DetailBlock: "Key   : value" lines under a title, keys padded to one width.
class DetailBlock {
 public:
  explicit DetailBlock(std::string title) : title_(std::move(title)) {}
  void Add(std::string key, std::string value) {
    rows_.emplace_back(std::move(key), std::move(value));
  }
  void Rule() { rows_.emplace_back("\x01", ""); }
  std::string Render() const;

 private:
  std::string title_;
  std::vector<std::pair<std::string, std::string>> rows_;
};

}  // namespace tunnelisa::config::internal

#endif  // TUNNELISA_SRC_CONFIG_TEXT_TABLE_H_
