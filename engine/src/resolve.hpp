#pragma once
// Name-to-index lookups on a validated scenario (private to the engine's sources: model.cpp and
// intervention.cpp compile names to indices with them; validate() has checked every name).
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "tvaer/scenario.hpp"

namespace tvaer::detail {

template <class T>
std::uint32_t index_of(const std::vector<T>& v, const T& x) {
    return static_cast<std::uint32_t>(std::find(v.begin(), v.end(), x) - v.begin());
}

inline std::uint32_t track_index(const scenario& sc, const std::string& name) {
    for (std::size_t i = 0; i < sc.tracks.size(); ++i)
        if (sc.tracks[i].name == name) return static_cast<std::uint32_t>(i);
    return 0;  // unreachable after validate()
}

inline std::uint8_t state_index(const track& t, const std::string& name) {
    for (std::size_t i = 0; i < t.states.size(); ++i)
        if (t.states[i].name == name) return static_cast<std::uint8_t>(i);
    return 0;
}

}  // namespace tvaer::detail
