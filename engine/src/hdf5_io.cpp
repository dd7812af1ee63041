// HDF5 plumbing for results files (hdf5_io.hpp).
#include "hdf5_io.hpp"

#include <fmt/ranges.h>

#include "tvaer/error.hpp"

namespace tvaer::detail::h5 {

std::string hdf5_detail() {
    std::string deepest;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD,
             [](unsigned, const H5E_error2_t* e, void* out) -> herr_t {
                 if (e->desc != nullptr && *e->desc != '\0') *static_cast<std::string*>(out) = e->desc;
                 return 0;
             },
             &deepest);
    H5Eclear2(H5E_DEFAULT);
    return deepest.empty() ? "" : " (HDF5: " + deepest + ")";
}

[[noreturn]] void fail(const std::string& path, std::string_view what) {
    throw file_error(fmt::format("results file {}: {}{}", path, what, hdf5_detail()));
}

void set_filters(hid_t dcpl, const std::string& path, const std::string& name, const compression& c) {
    using m = compression::method;
    if (c.kind == m::deflate) {
        ok(H5Pset_shuffle(dcpl), path, object("dataset", name, "cannot set the shuffle filter"));
        ok(H5Pset_deflate(dcpl, static_cast<unsigned>(c.level)), path, object("dataset", name, "cannot set deflate"));
    } else if (c.kind == m::szip) {
        unsigned config = 0;
        if (H5Zfilter_avail(H5Z_FILTER_SZIP) <= 0 || H5Zget_filter_info(H5Z_FILTER_SZIP, &config) < 0 ||
            (config & H5Z_FILTER_CONFIG_ENCODE_ENABLED) == 0) {
            H5Eclear2(H5E_DEFAULT);
            fail(path, "compression 'szip': this HDF5 library cannot encode szip (built without libaec); "
                       "use compression 'deflate:1' or 'none'");
        }
        ok(H5Pset_szip(dcpl, H5_SZIP_NN_OPTION_MASK, 32), path, object("dataset", name, "cannot set szip"));
    }
}

hsize_t chunk_rows(hsize_t row_bytes, hsize_t aligned_to) {
    const hsize_t rows = std::clamp<hsize_t>((256u << 10) / std::max<hsize_t>(row_bytes, 1), 1, 4096);
    if (aligned_to == 0 || aligned_to * row_bytes < (8u << 10)) return rows;
    if (aligned_to <= rows) return aligned_to;
    hsize_t d = rows;
    while (aligned_to % d != 0) --d;  // ends at 1 at the latest
    return 4 * d >= rows ? d : rows;
}

std::string object(std::string_view kind, std::string_view name, std::string_view action) {
    return fmt::format("{} '{}': {}", kind, name, action);
}

handle utf8_type() {
    const hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return handle(t, H5Tclose);
}

void write_attr(hid_t obj, const std::string& path, const char* name, hid_t ftype, hid_t mtype, const void* v) {
    if (H5Aexists(obj, name) > 0) ok(H5Adelete(obj, name), path, object("attribute", name, "cannot replace"));
    handle space(H5Screate(H5S_SCALAR), H5Sclose);
    handle a(ok(H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT), path, object("attribute", name, "cannot create")),
             H5Aclose);
    ok(H5Awrite(a, mtype, v), path, object("attribute", name, "cannot write"));
}

void write_text_attr(hid_t obj, const std::string& path, const char* name, const std::string& value) {
    const auto t = utf8_type();
    const char* s = value.c_str();
    write_attr(obj, path, name, t, t, &s);
}

handle open_attr(hid_t obj, const std::string& path, const char* name) {
    if (H5Aexists(obj, name) <= 0) fail(path, fmt::format("attribute '{}' is missing", name));
    return handle(ok(H5Aopen(obj, name, H5P_DEFAULT), path, object("attribute", name, "cannot open")), H5Aclose);
}

std::string read_text_attr(hid_t obj, const std::string& path, const char* name) {
    const auto a = open_attr(obj, path, name);
    handle ftype(H5Aget_type(a), H5Tclose);
    if (H5Tget_class(ftype) != H5T_STRING) fail(path, object("attribute", name, "is not a string"));
    if (H5Tis_variable_str(ftype) > 0) {
        const auto t = utf8_type();
        char* s = nullptr;
        ok(H5Aread(a, t, &s), path, object("attribute", name, "cannot read"));
        std::string out = s != nullptr ? s : "";
        H5free_memory(s);
        return out;
    }
    std::string out(H5Tget_size(ftype), '\0');
    ok(H5Aread(a, ftype, out.data()), path, object("attribute", name, "cannot read"));
    return out.substr(0, out.find('\0'));
}

handle uncached_access() {
    handle dapl(H5Pcreate(H5P_DATASET_ACCESS), H5Pclose);
    H5Pset_chunk_cache(dapl, H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0, H5D_CHUNK_CACHE_W0_DEFAULT);
    return dapl;
}

handle open_dataset(hid_t file, const std::string& path, const std::string& name, hid_t dapl) {
    if (H5Lexists(file, name.c_str(), H5P_DEFAULT) <= 0) fail(path, fmt::format("dataset '{}' is missing", name));
    return handle(ok(H5Dopen2(file, name.c_str(), dapl), path, object("dataset", name, "cannot open")), H5Dclose);
}

std::vector<hsize_t> extent(hid_t ds) {
    handle space(H5Dget_space(ds), H5Sclose);
    std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(0, H5Sget_simple_extent_ndims(space))));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    return dims;
}

hsize_t elements(const std::vector<hsize_t>& shape) {
    hsize_t n = 1;
    for (const auto d : shape) n *= d;
    return n;
}

std::string shape_text(const std::vector<hsize_t>& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

namespace {

/// A transfer property list whose type-conversion buffer is 64 KiB, not HDF5's 1 MiB, which it
/// allocates and zeroes at every read or write that converts (variable-length strings): the name
/// lists are a few hundred bytes, and at each append the zeroing was a quarter of the writer's
/// instructions without compression (docs/performance.md, "twelfth pass").
handle small_conversion() {
    handle dxpl(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
    H5Pset_buffer(dxpl, 64u << 10, nullptr, nullptr);
    return dxpl;
}

}  // namespace

handle write_strings(hid_t file, const std::string& path, const std::string& name, const std::vector<std::string>& values) {
    const hsize_t n = values.size();
    handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    const auto t = utf8_type();
    handle ds(ok(H5Dcreate2(file, name.c_str(), t, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path,
                 object("dataset", name, "cannot create")),
              H5Dclose);
    std::vector<const char*> ptrs;
    for (const auto& v : values) ptrs.push_back(v.c_str());
    if (n > 0) {
        ok(H5Dwrite(ds, t, H5S_ALL, H5S_ALL, small_conversion(), ptrs.data()), path, object("dataset", name, "cannot write"));
    }
    return ds;
}

std::vector<std::string> read_strings(hid_t file, const std::string& path, const std::string& name) {
    const auto ds = open_dataset(file, path, name);
    handle ftype(H5Dget_type(ds), H5Tclose);
    if (H5Tget_class(ftype) != H5T_STRING || H5Tis_variable_str(ftype) <= 0) {
        fail(path, object("dataset", name, "is not a variable-length string dataset"));
    }
    const auto dims = extent(ds);
    if (dims.size() != 1) fail(path, object("dataset", name, "is not one-dimensional"));
    std::vector<char*> raw(dims[0], nullptr);
    const auto t = utf8_type();
    if (!raw.empty()) {
        ok(H5Dread(ds, t, H5S_ALL, H5S_ALL, small_conversion(), raw.data()), path, object("dataset", name, "cannot read"));
    }
    std::vector<std::string> out;
    for (char* s : raw) {
        out.emplace_back(s != nullptr ? s : "");
        H5free_memory(s);
    }
    return out;
}

void describe(hid_t ds, const std::string& path, const char* long_name, const char* units) {
    write_text_attr(ds, path, "long_name", long_name);
    if (units != nullptr) write_text_attr(ds, path, "units", units);
}

void attach(hid_t file, hid_t ds, const std::string& path, const std::string& name, const std::vector<std::string>& dims) {
    for (std::size_t i = 0; i < dims.size(); ++i) {
        const auto scale = open_dataset(file, path, dims[i]);
        ok(H5DSattach_scale(ds, scale, static_cast<unsigned>(i)), path,
           object("dataset", name, "cannot attach dimension " + dims[i]));
        ok(H5DSset_label(ds, static_cast<unsigned>(i), dims[i].c_str()), path,
           object("dataset", name, "cannot label dimension " + dims[i]));
    }
}

}  // namespace tvaer::detail::h5
