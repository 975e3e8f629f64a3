/**
 * The constants of fdlibm's exp, expm1, log, sin and cos (Sun's freely distributable libm, whose
 * algorithms V8 uses for `Math.*` in Node 20): one definition for the JS port the live page runs
 * (src/demo/fdlibm.ts) and the f64x2 lane versions (src/wasm/exp.ts, tanh.ts, log.ts,
 * sincos.ts), which must reproduce the same doubles. Derivations: docs/demo.md and
 * docs/performance.md ("Transcendentals on lanes").
 */

/** ln 2 split as LN2_HI + LN2_LO (LN2_HI with its low 32 bits zero, so k·LN2_HI is exact), and 1/ln 2. */
export const LN2_HI = 6.9314718036912381649e-1;
export const LN2_LO = 1.90821492927058770002e-10;
export const INV_LN2 = 1.442695040888963387;

/** exp: the remez polynomial P1…P5 in r², and the arguments beyond which it over- and underflows. */
export const EXP_P1 = 1.66666666666666019037e-1;
export const EXP_P2 = -2.77777777770155933842e-3;
export const EXP_P3 = 6.61375632143793436117e-5;
export const EXP_P4 = -1.6533902205465251539e-6;
export const EXP_P5 = 4.13813679705723846039e-8;
export const EXP_OVERFLOW = 7.09782712893383973096e2;
export const EXP_UNDERFLOW = -7.4513321910194110842e2;

/** expm1: the rational's coefficients Q1…Q5 (in r²/2). */
export const EXPM1_Q1 = -3.33333333333331316428e-2;
export const EXPM1_Q2 = 1.58730158725481460165e-3;
export const EXPM1_Q3 = -7.93650757867487942473e-5;
export const EXPM1_Q4 = 4.00821782732936239552e-6;
export const EXPM1_Q5 = -2.01099218183624371326e-7;

/** log: the polynomial Lg1…Lg7 in s² with s = f/(2 + f). */
export const LOG_LG1 = 6.66666666666673513e-1;
export const LOG_LG2 = 3.999999999940941908e-1;
export const LOG_LG3 = 2.857142874366239149e-1;
export const LOG_LG4 = 2.222219843214978396e-1;
export const LOG_LG5 = 1.818357216161805012e-1;
export const LOG_LG6 = 1.531383769920937332e-1;
export const LOG_LG7 = 1.479819860511658591e-1;

/** The reduction x = n·π/2 + y: 2/π, then π/2 in three 33-bit pieces PIO2_k, each with its tail PIO2_kT. */
export const INV_PIO2 = 6.36619772367581382433e-1;
export const PIO2_1 = 1.57079632673412561417;
export const PIO2_1T = 6.07710050650619224932e-11;
export const PIO2_2 = 6.0771005063039659766e-11;
export const PIO2_2T = 2.02226624879595063154e-21;
export const PIO2_3 = 2.0222662487111664558e-21;
export const PIO2_3T = 8.47842766036889956997e-32;

/** The high words of n·PIO2_1 for n = 1…32 (where the medium reduction checks for cancellation). */
export const NPIO2_HW: readonly number[] = [
  0x3ff921fb, 0x400921fb, 0x4012d97c, 0x401921fb, 0x401f6a7a, 0x4022d97c, 0x4025fdbb, 0x402921fb, 0x402c463a,
  0x402f6a7a, 0x4031475c, 0x4032d97c, 0x40346b9c, 0x4035fdbb, 0x40378fdb, 0x403921fb, 0x403ab41b, 0x403c463a,
  0x403dd85a, 0x403f6a7a, 0x40407e4c, 0x4041475c, 0x4042106c, 0x4042d97c, 0x4043a28c, 0x40446b9c, 0x404534ac,
  0x4045fdbb, 0x4046c6cb, 0x40478fdb, 0x404858eb, 0x404921fb,
];

/** __kernel_sin's polynomial S1…S6 and __kernel_cos's C1…C6 (in y²). */
export const SIN_S1 = -1.66666666666666324348e-1;
export const SIN_S2 = 8.33333333332248946124e-3;
export const SIN_S3 = -1.98412698298579493134e-4;
export const SIN_S4 = 2.75573137070700676789e-6;
export const SIN_S5 = -2.50507602534068634195e-8;
export const SIN_S6 = 1.58969099521155010221e-10;
export const COS_C1 = 4.16666666666666019037e-2;
export const COS_C2 = -1.38888888888741095749e-3;
export const COS_C3 = 2.48015872894767294178e-5;
export const COS_C4 = -2.75573143513906633035e-7;
export const COS_C5 = 2.0875723212981748279e-9;
export const COS_C6 = -1.13596475577881948265e-11;
