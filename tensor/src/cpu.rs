//! Which vector instructions this machine has, as the kernels choose them at run time.

/// The widest vector instruction set the matrix products use on this machine, chosen at run
/// time: `"avx512"` (AVX-512F, the `gemm` crate's x86-v4 kernels), `"avx2"` (AVX2 with FMA:
/// `gemm`'s x86-v3 kernels and this crate's own thin-product and activation kernels), or
/// `"scalar"` (anything else, including non-x86 targets such as wasm32).
///
/// Results are bit-identical for any thread count on one machine, but may differ in the last
/// digits between machines whose instruction sets differ.
///
/// ```
/// assert!(["avx512", "avx2", "scalar"].contains(&tensor::simd_level()));
/// ```
pub fn simd_level() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return "avx512";
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return "avx2";
        }
    }
    "scalar"
}
