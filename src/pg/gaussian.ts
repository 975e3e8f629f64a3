/** Gaussian log-prob math and the REINFORCE loss live with the Gaussian head; re-exported for existing imports. */
export {
  LOG_SQRT_2PI,
  gaussianLogProb,
  gaussianLogProbSigma,
  negLogProbGradMean,
  negLogProbGradLogSigma,
  negLogProbGradSigma,
  sigmoid,
  softplus,
  softplusInverse,
  gaussianActorLoss,
} from "../heads/gaussian.js";
