import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadOpenBlas, OPENBLAS_CORETYPE, preferredOpenBlasCore } from "./wasm-matmul-blas";

const cpu = (vendor: string, flags: string) =>
  `processor\t: 0\nvendor_id\t: ${vendor}\nmodel name\t: test CPU\nflags\t\t: ${flags}\n\nprocessor\t: 1\n`;
const avx512 = "fpu sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl";

describe("OpenBLAS's kernel set", () => {
  it("asks for SkylakeX on an AMD CPU with AVX-512 F, BW, DQ and VL, and nowhere else", () => {
    expect(preferredOpenBlasCore(cpu("AuthenticAMD", avx512), {})).toBe("SkylakeX");
    // Zen 3: AVX2 only, which OpenBLAS detects right.
    expect(preferredOpenBlasCore(cpu("AuthenticAMD", "fpu sse2 avx avx2 fma"), {})).toBeUndefined();
    // AVX-512 F alone is not what the SkylakeX kernels need.
    expect(preferredOpenBlasCore(cpu("AuthenticAMD", "fpu avx2 avx512f"), {})).toBeUndefined();
    // Intel's AVX-512 CPUs are detected as such by OpenBLAS itself.
    expect(preferredOpenBlasCore(cpu("GenuineIntel", avx512), {})).toBeUndefined();
    // The user's choice wins, and a platform without /proc/cpuinfo asks for nothing.
    expect(
      preferredOpenBlasCore(cpu("AuthenticAMD", avx512), { [OPENBLAS_CORETYPE]: "Zen" }),
    ).toBeUndefined();
    expect(preferredOpenBlasCore(null, {})).toBeUndefined();
  });

  it("is the one OpenBLAS runs when loaded here (its config names it)", async () => {
    const blas = await loadOpenBlas();
    const wanted = preferredOpenBlasCore(readFileSync("/proc/cpuinfo", "utf8"), process.env);
    if (wanted) expect(blas.config).toContain(wanted);
    else expect(blas.config).toMatch(/OpenBLAS/);
  });
});
