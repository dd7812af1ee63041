// libFuzzer target: the engine's scenario reader and validator on arbitrary bytes. Whatever the
// input, the answer is a compiled model or a scenario_error (a message naming where and what);
// never a crash, a hang, another exception or a sanitizer report. Built and run by `make fuzz`.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tvaer/allocation.hpp"
#include "tvaer/document.hpp"
#include "tvaer/error.hpp"
#include "tvaer/model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        tvaer::document doc = tvaer::document::parse(text, "fuzz.toml");
        (void)doc.to_json();
        // The input's first line as a key path (dots, brackets, quotes), as warnings locate keys.
        (void)doc.locate(text.substr(0, text.find('\n')));
        const tvaer::model m = tvaer::compile(doc);
        (void)tvaer::allocation_rules(doc);
        doc.set("families", "v = 1");  // an override on top of whatever the input was
        (void)tvaer::compile(doc);
    } catch (const tvaer::scenario_error&) {
        // the expected answer to a bad scenario
    }
    return 0;
}
