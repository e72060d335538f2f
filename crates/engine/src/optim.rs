//! Optimisers: how a gradient becomes a parameter update.
//!
//! * SGD with momentum μ: `v ← μ v + g`, `θ ← θ − η v` (μ = 0 is plain SGD, bit for bit).
//! * Adam (Kingma & Ba, 2015): `m ← β₁ m + (1−β₁) g`, `v ← β₂ v + (1−β₂) g²`,
//!   `θ ← θ − η m̂ / (√v̂ + ε)` with `m̂ = m / (1−β₁ᵗ)`, `v̂ = v / (1−β₂ᵗ)`. The powers `βᵗ` are
//!   kept as running products rather than `powi`, whose implementation differs by platform.

use serde::{Deserialize, Serialize};

use crate::EngineError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Optimizer {
    Sgd {
        #[serde(default)]
        momentum: f64,
    },
    Adam {
        #[serde(default = "default_beta1")]
        beta1: f64,
        #[serde(default = "default_beta2")]
        beta2: f64,
        #[serde(default = "default_epsilon")]
        epsilon: f64,
    },
}

fn default_beta1() -> f64 {
    0.9
}
fn default_beta2() -> f64 {
    0.999
}
fn default_epsilon() -> f64 {
    1e-8
}

impl Default for Optimizer {
    fn default() -> Self {
        Optimizer::Sgd { momentum: 0.0 }
    }
}

impl Optimizer {
    pub fn adam() -> Self {
        Optimizer::Adam {
            beta1: default_beta1(),
            beta2: default_beta2(),
            epsilon: default_epsilon(),
        }
    }

    pub fn validate(&self) -> Result<(), EngineError> {
        let unit = |field: &str, v: f64| {
            if (0.0..1.0).contains(&v) {
                Ok(())
            } else {
                Err(EngineError::setting(
                    field,
                    format!("must be at least 0 and below 1; it is {v}"),
                ))
            }
        };
        match *self {
            Optimizer::Sgd { momentum } => unit("training.optimizer.momentum", momentum),
            Optimizer::Adam {
                beta1,
                beta2,
                epsilon,
            } => {
                unit("training.optimizer.beta1", beta1)?;
                unit("training.optimizer.beta2", beta2)?;
                if epsilon.is_finite() && epsilon > 0.0 {
                    Ok(())
                } else {
                    Err(EngineError::setting(
                        "training.optimizer.epsilon",
                        "must be positive",
                    ))
                }
            }
        }
    }
}

/// An optimiser's running state for one parameter vector.
#[derive(Debug, Clone)]
pub struct OptimizerState {
    optimizer: Optimizer,
    first: Vec<f64>,
    second: Vec<f64>,
    beta1_power: f64,
    beta2_power: f64,
}

impl OptimizerState {
    pub fn new(optimizer: &Optimizer, parameters: usize) -> Self {
        Self {
            optimizer: optimizer.clone(),
            first: vec![0.0; parameters],
            second: match optimizer {
                Optimizer::Adam { .. } => vec![0.0; parameters],
                Optimizer::Sgd { .. } => Vec::new(),
            },
            beta1_power: 1.0,
            beta2_power: 1.0,
        }
    }

    /// Applies one update to `params` from `gradient` with learning rate `rate`.
    pub fn step(&mut self, params: &mut [f64], gradient: &[f64], rate: f64) {
        match self.optimizer {
            Optimizer::Sgd { momentum } => {
                for ((p, g), v) in params.iter_mut().zip(gradient).zip(&mut self.first) {
                    *v = momentum * *v + g;
                    *p -= rate * *v;
                }
            }
            Optimizer::Adam {
                beta1,
                beta2,
                epsilon,
            } => {
                self.beta1_power *= beta1;
                self.beta2_power *= beta2;
                let (c1, c2) = (1.0 - self.beta1_power, 1.0 - self.beta2_power);
                for (((p, g), m), v) in params
                    .iter_mut()
                    .zip(gradient)
                    .zip(&mut self.first)
                    .zip(&mut self.second)
                {
                    *m = beta1 * *m + (1.0 - beta1) * g;
                    *v = beta2 * *v + (1.0 - beta2) * g * g;
                    *p -= rate * (*m / c1) / (libm::sqrt(*v / c2) + epsilon);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parameters after one step per gradient, from `start`, against values worked by hand.
    fn check(optimizer: Optimizer, start: &[f64], gradients: &[&[f64]], rate: f64, expect: &[f64]) {
        let mut params = start.to_vec();
        let mut state = OptimizerState::new(&optimizer, params.len());
        for gradient in gradients {
            state.step(&mut params, gradient, rate);
        }
        for (got, want) in params.iter().zip(expect) {
            assert!(
                (got - want).abs() < 1e-15,
                "{optimizer:?}: got {params:?}, expected {expect:?}"
            );
        }
        assert_eq!(params.len(), expect.len());
    }

    #[test]
    fn sgd_with_momentum_by_hand() {
        // μ 0.5, η 0.25, g 2 twice: v = 2, θ = 1 − 0.5 = 0.5; v = 0.5·2 + 2 = 3, θ = 0.5 − 0.75.
        check(
            Optimizer::Sgd { momentum: 0.5 },
            &[1.0],
            &[&[2.0], &[2.0]],
            0.25,
            &[-0.25],
        );
        // Plain SGD: θ − η g per step, per parameter.
        check(
            Optimizer::default(),
            &[1.0, -1.0],
            &[&[2.0, -4.0]],
            0.25,
            &[0.5, 0.0],
        );
    }

    #[test]
    fn adam_with_bias_correction_by_hand() {
        // β₁ 0.5, β₂ 0.75, ε 1, η 0.5, θ 0.
        // Step 1, g 2: m = 1, v = 1; m̂ = 1/0.5 = 2, v̂ = 1/0.25 = 4; θ −= 0.5·2/(2+1) → −1/3.
        // Step 2, g −2: m = 0.5 − 1 = −0.5, v = 0.75 + 1 = 1.75; m̂ = −0.5/0.75 = −2/3,
        // v̂ = 1.75/0.4375 = 4; θ −= 0.5·(−2/3)/(2+1) = −1/9 → −1/3 + 1/9 = −2/9.
        let adam = Optimizer::Adam {
            beta1: 0.5,
            beta2: 0.75,
            epsilon: 1.0,
        };
        check(adam.clone(), &[0.0], &[&[2.0]], 0.5, &[-1.0 / 3.0]);
        check(adam, &[0.0], &[&[2.0], &[-2.0]], 0.5, &[-2.0 / 9.0]);
    }

    #[test]
    fn adams_defaults_are_the_papers() {
        // Kingma & Ba (2015), Algorithm 1: "Good default settings ... are β₁ = 0.9, β₂ = 0.999
        // and ε = 10⁻⁸"; a spec that names only the kind gets them, and SGD has no momentum.
        let papers = Optimizer::Adam {
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        };
        assert_eq!(Optimizer::adam(), papers);
        let parse = |json: &str| serde_json::from_str::<Optimizer>(json).unwrap();
        assert_eq!(parse(r#"{"kind": "adam"}"#), papers);
        assert_eq!(
            parse(r#"{"kind": "sgd"}"#),
            Optimizer::Sgd { momentum: 0.0 }
        );
        assert_eq!(Optimizer::default(), Optimizer::Sgd { momentum: 0.0 });
    }

    #[test]
    fn settings_must_lie_in_their_ranges() {
        let adam = |beta1: f64, beta2: f64, epsilon: f64| Optimizer::Adam {
            beta1,
            beta2,
            epsilon,
        };
        let cases = [
            (Optimizer::Sgd { momentum: 0.0 }, true),
            (Optimizer::Sgd { momentum: 0.99 }, true),
            (Optimizer::Sgd { momentum: 1.0 }, false),
            (Optimizer::Sgd { momentum: -0.1 }, false),
            (Optimizer::adam(), true),
            (adam(0.0, 0.0, 1e-8), true),
            (adam(1.0, 0.999, 1e-8), false),
            (adam(0.9, 1.0, 1e-8), false),
            (adam(0.9, 0.999, 0.0), false),
            (adam(0.9, 0.999, -1e-8), false),
            (adam(0.9, 0.999, f64::INFINITY), false),
        ];
        for (optimizer, valid) in cases {
            assert_eq!(optimizer.validate().is_ok(), valid, "{optimizer:?}");
        }
    }
}
