#include "tvaer/error.hpp"

#include <fmt/format.h>

namespace tvaer {

std::string origin::describe() const {
    if (!override_path.empty()) {
        return file.empty() ? fmt::format("override '{}'", override_path)
                            : fmt::format("{} (override '{}')", file, override_path);
    }
    if (line > 0 && !file.empty()) return fmt::format("{}:{}:{}", file, line, column);
    return file;
}

std::string scenario_error::compose(const std::string& key_path, const std::string& message, const origin& where) {
    const std::string at = where.describe();
    const std::string what = key_path.empty() ? message : key_path + ": " + message;
    return at.empty() ? what : at + ": " + what;
}

}  // namespace tvaer
