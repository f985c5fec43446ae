#pragma once
// The fixed hash functions behind consistent hashing. Every worker and every fulcrum
// instance must compute the same values, so the seeds are compile-time constants and the
// functions depend on nothing but their input bytes (no per-process randomization).
#include <cstdint>
#include <string_view>

namespace fulcrum {

inline constexpr uint64_t kFnv64OffsetBasis = 0xcbf29ce484222325ULL;
inline constexpr uint64_t kFnv64Prime = 0x100000001b3ULL;

// Seeds of the independent hashes in use. Changing any of them changes which backend
// every client maps to, so they are part of the wire-visible behaviour.
inline constexpr uint64_t kClientKeySeed = 0x6675'6c63'7275'6d31ULL;   // "fulcrum1"
inline constexpr uint64_t kMaglevOffsetSeed = 0x6d61'676c'6576'6f66ULL;  // "maglevof"
inline constexpr uint64_t kMaglevSkipSeed = 0x6d61'676c'6576'736bULL;    // "maglevsk"

// FNV-1a, 64 bit (Fowler, Noll, Vo; draft-eastlake-fnv-21 §2), starting from `basis`.
// With the default basis this is the standard FNV-1a 64 of the bytes.
uint64_t fnv1a64(std::string_view bytes, uint64_t basis = kFnv64OffsetBasis);

// The splitmix64 output function (Steele, Lea, Flood, "Fast Splittable Pseudorandom
// Number Generators", OOPSLA 2014): a bijective mixer whose every output bit depends on
// every input bit. FNV-1a alone spreads its last input bytes poorly into the high bits.
uint64_t splitmix64Mix(uint64_t value);

// A 64-bit hash of `bytes` for `seed`: FNV-1a started from a seed-derived basis, then
// finalized with splitmix64Mix. Different seeds give unrelated functions, which Maglev
// needs for its two per-backend hashes (offset and skip).
uint64_t hashBytes(std::string_view bytes, uint64_t seed);

}  // namespace fulcrum
