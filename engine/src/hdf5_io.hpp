#pragma once
/// HDF5 plumbing for results files (results_file.cpp), private to the engine's sources: handles
/// that close themselves, HDF5's error printing silenced, and every failure turned into a
/// tvaer::file_error that names the file, the object and HDF5's own innermost message.
#include <hdf5.h>
#include <hdf5_hl.h>

#include <algorithm>
#include <cstdint>
#include <fmt/format.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tvaer/results_file.hpp"

namespace tvaer::detail::h5 {

class handle {
public:
    handle(hid_t id, herr_t (*closer)(hid_t)) noexcept : id_(id), close_(closer) {}
    handle(const handle&) = delete;
    handle& operator=(const handle&) = delete;
    handle(handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
    ~handle() { close(); }
    operator hid_t() const noexcept { return id_; }  // NOLINT: handles stand in for ids
    herr_t close() noexcept {
        const herr_t rc = id_ >= 0 ? close_(id_) : 0;
        id_ = -1;
        return rc;
    }

private:
    hid_t id_;
    herr_t (*close_)(hid_t);
};

/// Silences HDF5's automatic error printing for the lifetime of the guard.
class quiet_errors {
public:
    quiet_errors() noexcept {
        H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    }
    quiet_errors(const quiet_errors&) = delete;
    quiet_errors& operator=(const quiet_errors&) = delete;
    ~quiet_errors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

private:
    H5E_auto2_t func_ = nullptr;
    void* data_ = nullptr;
};

/// The innermost message on HDF5's error stack (then cleared), or "" when the stack is empty.
std::string hdf5_detail();

[[noreturn]] void fail(const std::string& path, std::string_view what);

/// Returns `rc` (an id or a status) unless it signals an HDF5 failure, which becomes a file_error.
template <class I>
I ok(I rc, const std::string& path, std::string_view what) {
    if (rc < 0) fail(path, what);
    return rc;
}

std::string object(std::string_view kind, std::string_view name, std::string_view action);

// ---- element types ----

template <class T> hid_t memory_type();
template <> inline hid_t memory_type<double>() { return H5T_NATIVE_DOUBLE; }
template <> inline hid_t memory_type<std::uint8_t>() { return H5T_NATIVE_UINT8; }
template <> inline hid_t memory_type<std::int32_t>() { return H5T_NATIVE_INT32; }
template <> inline hid_t memory_type<std::uint32_t>() { return H5T_NATIVE_UINT32; }
template <> inline hid_t memory_type<std::uint64_t>() { return H5T_NATIVE_UINT64; }

template <class T> hid_t file_type();
template <> inline hid_t file_type<double>() { return H5T_IEEE_F64LE; }
template <> inline hid_t file_type<std::uint8_t>() { return H5T_STD_U8LE; }
template <> inline hid_t file_type<std::int32_t>() { return H5T_STD_I32LE; }
template <> inline hid_t file_type<std::uint32_t>() { return H5T_STD_U32LE; }
template <> inline hid_t file_type<std::uint64_t>() { return H5T_STD_U64LE; }

handle utf8_type();

// ---- attributes ----

void write_attr(hid_t obj, const std::string& path, const char* name, hid_t ftype, hid_t mtype, const void* v);

void write_text_attr(hid_t obj, const std::string& path, const char* name, const std::string& value);

template <class T>
void write_number_attr(hid_t obj, const std::string& path, const char* name, T value) {
    write_attr(obj, path, name, file_type<T>(), memory_type<T>(), &value);
}

handle open_attr(hid_t obj, const std::string& path, const char* name);

/// Reads a string attribute, variable- or fixed-length.
std::string read_text_attr(hid_t obj, const std::string& path, const char* name);

template <class T>
T read_number_attr(hid_t obj, const std::string& path, const char* name) {
    const auto a = open_attr(obj, path, name);
    T value{};
    ok(H5Aread(a, memory_type<T>(), &value), path, object("attribute", name, "cannot read"));
    return value;
}

// ---- datasets ----

/// A dataset access property list without a chunk cache, for the arrays written along
/// replications. Whole chunks of a dataset without filters then go from the caller's buffer to
/// the file, where HDF5's 1 MiB cache allocated, zeroed and copied each chunk first (with filters
/// a chunk is still made in memory, compressed and written at once); the writer writes each chunk
/// once, so the cache kept nothing worth keeping (docs/performance.md, "twelfth pass").
handle uncached_access();

/// Opens dataset `name` with the access property list `dapl`; file_error when it is missing.
handle open_dataset(hid_t file, const std::string& path, const std::string& name, hid_t dapl = H5P_DEFAULT);

std::vector<hsize_t> extent(hid_t ds);

hsize_t elements(const std::vector<hsize_t>& shape);

std::string shape_text(const std::vector<hsize_t>& shape);

/// Sets the filters of `c` on the dataset creation property list `dcpl` (a chunked layout).
void set_filters(hid_t dcpl, const std::string& path, const std::string& name, const compression& c);

/// Rows of a chunk along the first dimension, for rows of `row_bytes` bytes: about 256 KiB a chunk
/// (1 to 4096 rows). With `aligned_to` (the rows of the dataset's first write, > 0), chunks that
/// later writes of as many rows fill whole: `aligned_to` rows when that is at most the 256 KiB
/// size, else the largest divisor of `aligned_to` below it if that is at least a quarter of it
/// (a prime count of rows keeps 256 KiB: such chunks are rewritten by appends). simulate_to_file
/// appends blocks of the first block's size, so no append then rewrites (nor recompresses, nor
/// journals) a partly filled chunk (docs/performance.md, "tenth pass"). Writes under 8 KiB keep
/// the 256 KiB size: rewriting such a chunk costs little, and tiny chunks cost reading.
hsize_t chunk_rows(hsize_t row_bytes, hsize_t aligned_to);

/// Creates a numeric dataset. Along replications (`along_replications` not null): chunked (rows
/// by chunk_rows(..., `aligned_to`), the other dimensions whole), compressed by it, with an
/// unlimited first dimension; otherwise contiguous and fixed.
template <class T>
handle create_numeric(hid_t file, const std::string& path, const std::string& name, const std::vector<hsize_t>& shape,
                      const compression* along_replications, hsize_t aligned_to = 0) {
    std::vector<hsize_t> maxdims(shape);
    handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    if (along_replications) {
        std::vector<hsize_t> chunk(shape);
        for (auto& c : chunk) c = std::max<hsize_t>(c, 1);
        chunk[0] = chunk_rows(elements(chunk) / chunk[0] * sizeof(T), aligned_to);
        // A fixed dimension of length 0 cannot hold a chunk of length 1; let it be unlimited.
        for (std::size_t i = 0; i < shape.size(); ++i) maxdims[i] = i == 0 || shape[i] == 0 ? H5S_UNLIMITED : shape[i];
        H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data());
        // Every element is written, so a new chunk need not be filled first; with the cache off
        // (uncached_access) HDF5 then writes whole unfiltered chunks straight from `data` (with
        // filters every chunk is made in memory, zeroed first whatever the fill time).
        if (along_replications->kind == compression::method::none) H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
        set_filters(dcpl, path, name, *along_replications);
    }
    handle space(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), maxdims.data()), H5Sclose);
    return handle(ok(H5Dcreate2(file, name.c_str(), file_type<T>(), space, H5P_DEFAULT, dcpl,
                                along_replications ? hid_t(uncached_access()) : H5P_DEFAULT),
                     path, object("dataset", name, "cannot create")),
                  H5Dclose);
}

/// Writes `data` (row-major, shape [n, extent[1:]...]) at replication offset `first` of `ds`,
/// growing the dataset to first + n replications.
template <class T>
void write_block(hid_t ds, const std::string& path, const std::string& name, hsize_t first, hsize_t n,
                 const std::vector<T>& data) {
    auto dims = extent(ds);
    dims[0] = n;
    if (data.size() != elements(dims)) {
        throw std::invalid_argument(fmt::format("results file {}: dataset '{}': expected {} values for shape {}, got {}",
                                                path, name, elements(dims), shape_text(dims), data.size()));
    }
    auto total = dims;
    total[0] = first + n;
    ok(H5Dset_extent(ds, total.data()), path, object("dataset", name, "cannot extend"));
    if (data.empty()) return;
    handle fspace(H5Dget_space(ds), H5Sclose);
    std::vector<hsize_t> start(dims.size(), 0);
    start[0] = first;
    H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start.data(), nullptr, dims.data(), nullptr);
    handle mspace(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
    ok(H5Dwrite(ds, memory_type<T>(), mspace, fspace, H5P_DEFAULT, data.data()), path,
       object("dataset", name, "cannot write"));
}

template <class T>
std::vector<T> read_numeric(hid_t file, const std::string& path, const std::string& name,
                            const std::vector<hsize_t>& expected) {
    const auto ds = open_dataset(file, path, name);
    const auto dims = extent(ds);
    if (dims != expected) {
        fail(path, object("dataset", name, fmt::format("has shape {}, expected {}", shape_text(dims), shape_text(expected))));
    }
    std::vector<T> out(elements(dims));
    if (!out.empty()) {
        ok(H5Dread(ds, memory_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), path,
           object("dataset", name, "cannot read"));
    }
    return out;
}

handle write_strings(hid_t file, const std::string& path, const std::string& name, const std::vector<std::string>& values);

std::vector<std::string> read_strings(hid_t file, const std::string& path, const std::string& name);

void describe(hid_t ds, const std::string& path, const char* long_name, const char* units);

void attach(hid_t file, hid_t ds, const std::string& path, const std::string& name, const std::vector<std::string>& dims);

template <class T>
handle write_fixed(hid_t file, const std::string& path, const std::string& name, const std::vector<T>& values) {
    auto ds = create_numeric<T>(file, path, name, {values.size()}, nullptr);
    if (!values.empty()) {
        ok(H5Dwrite(ds, memory_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), path,
           object("dataset", name, "cannot write"));
    }
    return ds;
}

}  // namespace tvaer::detail::h5
