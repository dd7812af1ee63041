// The scenario's top level: reading a document and checking the whole. Each concept's own reader
// and checks are in scenario_tracks.cpp, scenario_interventions.cpp, scenario_solution.cpp,
// scenario_population.cpp, distributions.cpp (sojourns), refusion.cpp and reimbursement.cpp.
#include "tvaer/scenario.hpp"

#include "scenario_checks.hpp"
#include "scenario_read.hpp"

namespace tvaer {

using namespace detail;

namespace {

scenario read_top(const document& doc) {
    reader r(doc);
    scenario sc;
    sc.schema_version = static_cast<int>(r.count("schema_version"));
    if (r.has("schema_version") && sc.schema_version != scenario_schema_version) {
        r.fail("schema_version", fmt::format("this tvaer reads schema version {}, got {}", scenario_schema_version, sc.schema_version));
    }
    sc.name = r.string("name", sc.name);
    r.skip("description", "string");
    sc.horizon_months = r.number("horizon_months");
    sc.discount_rate = r.number("discount_rate", 0.0);
    // The calendar year of the first simulated month: read by tvaer's report (Python) to label
    // year 1 as e.g. 2027; the engine itself counts months from 0 and never uses it.
    if (r.present("start_year")) {
        const std::uint32_t year = r.count("start_year", 0);
        if (year < first_start_year || year > last_start_year) {
            r.fail(r.key("start_year"), fmt::format("must be a calendar year in [{}, {}], got {}", first_start_year, last_start_year, year));
        }
    }
    sc.sectors = r.required_strings("sectors");
    if (r.present("population")) sc.people = read_population(r.table("population"));
    // A population table replaces the generated families: giving both is a mistake.
    if (sc.people.table_file.empty()) {
        sc.families = r.count("families");
    } else if (r.present("families")) {
        r.fail("families", "is ignored when population.table is given: remove it (the table's families are simulated)");
    }
    for (reader t : r.tables("tracks", true)) sc.tracks.push_back(read_track(std::move(t)));
    for (reader i : r.tables("interventions")) sc.interventions.push_back(read_intervention(std::move(i)));
    sc.select = read_selection(r.table("selection"));
    sc.org = read_organisation(r.table("organisation"), sc.sectors);
    if (r.present("refusion")) sc.refusion = read_refusion(r.table("refusion"));
    if (r.present("reimbursement")) sc.reimbursement = read_reimbursement(r.table("reimbursement"), sc.sectors);
    r.skip("allocation", "table");  // read by the allocation rules' reader
    r.skip("uncertain", "table");   // read by tvaer's sensitivity studies (Python)
    r.done();
    return sc;
}

}  // namespace

scenario read_scenario(const document& doc, const table_reader& read_table) {
    return doc.located([&] {
        scenario sc = read_top(doc);
        if (!sc.people.table_file.empty() && read_table) sc.people.table = read_table(sc.people.table_file);
        sc.validate();
        return sc;
    });
}

scenario load_scenario(const std::filesystem::path& file, const table_reader& read_table) {
    return read_scenario(document::load(file), read_table);
}

void scenario::validate() const {
    require(schema_version == scenario_schema_version, "schema_version",
            fmt::format("this tvaer reads schema version {}, got {}", scenario_schema_version, schema_version));
    require(horizon_months >= 1.0 && horizon_months <= 1200.0 && std::floor(horizon_months) == horizon_months,
            "horizon_months", fmt::format("must be a whole number of months in [1, 1200], got {}", horizon_months));
    require(discount_rate > -1.0 && discount_rate < 1.0, "discount_rate",
            fmt::format("must be a yearly rate in (-1, 1), got {}", discount_rate));
    require(!sectors.empty(), "sectors", "needs at least one sector");
    require(sectors.size() <= 32, "sectors", fmt::format("at most 32 sectors, got {}", sectors.size()));
    validate_unique(sectors, "sectors");
    // Family numbers are 24 bits in the engine's member records (simulator.hpp).
    require(families >= 1 && families <= 16'777'216u, "families", fmt::format("must be in [1, 16777216], got {}", families));
    require(!tracks.empty(), "tracks", "needs at least one track");
    require(tracks.size() <= 16, "tracks", fmt::format("at most 16 tracks, got {}", tracks.size()));
    validate_unique(track_names(*this), "tracks");
    for (std::size_t i = 0; i < tracks.size(); ++i) validate_track(*this, tracks[i], item_path("tracks", tracks[i].name, i));
    validate_population(*this, people);
    require(interventions.size() <= 64, "interventions", fmt::format("at most 64, got {}", interventions.size()));
    std::vector<std::string> inames;
    for (const auto& iv : interventions) inames.push_back(iv.name);
    validate_unique(inames, "interventions");
    for (std::size_t i = 0; i < interventions.size(); ++i) {
        validate_intervention(*this, interventions[i], item_path("interventions", interventions[i].name, i));
    }
    validate_solution(*this);
    refusion.validate("refusion");
    reimbursement.validate(sectors, "reimbursement");
}

}  // namespace tvaer
