//! The models Assay trains, all as one small network type with a flat parameter vector.
//!
//! A network maps `x ∈ ℝ^d` through hidden layers `a_l = g(W_l a_{l−1} + b_l)` (g = ReLU or tanh)
//! to scores `z = W_L a_{L−1} + b_L`, then a head that fits the task:
//!
//! * identity, loss `½ (z − y)²` (regression);
//! * sigmoid, loss `softplus(z) − y z`, the log loss written so it cannot overflow (binary);
//! * softmax, loss `logsumexp(z) − z_y` (multiclass).
//!
//! The training loss is the mean over rows plus `λ/2 ‖W‖²` over weights (not biases). Linear,
//! logistic and softmax regression are the networks with no hidden layer. Parameters are flat,
//! layer by layer, each layer's weights row-major (`W[out][in]`) then its biases, so optimisers,
//! gradient checks and fingerprints treat every model alike.

use ndarray::{Array2, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::EngineError;
use crate::mutation::{Injected, Mutation};
use crate::numerics::Numerics;
use crate::rng::SeededRng;

/// Hidden-layer non-linearity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    Relu,
    Tanh,
}

/// Which model to train, as a spec names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ModelSpec {
    LinearRegression,
    LogisticRegression,
    SoftmaxRegression,
    /// A multilayer perceptron with one or two hidden layers; its head follows the task.
    Mlp {
        hidden_layers: Vec<u32>,
        activation: Activation,
    },
}

/// Most units in one hidden layer, so a spec cannot ask for a network that exhausts memory.
const MAX_HIDDEN_UNITS: u32 = 512;

impl ModelSpec {
    /// The rules that need no data: one or two hidden layers of 1 to [`MAX_HIDDEN_UNITS`].
    pub fn validate(&self) -> Result<(), EngineError> {
        if let ModelSpec::Mlp { hidden_layers, .. } = self {
            if hidden_layers.is_empty() || hidden_layers.len() > 2 {
                return Err(EngineError::setting(
                    "model.hidden_layers",
                    "give one or two hidden layer sizes",
                ));
            }
            if hidden_layers
                .iter()
                .any(|&u| u == 0 || u > MAX_HIDDEN_UNITS)
            {
                return Err(EngineError::setting(
                    "model.hidden_layers",
                    format!("each layer needs 1 to {MAX_HIDDEN_UNITS} units"),
                ));
            }
        }
        Ok(())
    }

    pub fn label(&self) -> String {
        match self {
            ModelSpec::LinearRegression => "Linear regression".into(),
            ModelSpec::LogisticRegression => "Logistic regression".into(),
            ModelSpec::SoftmaxRegression => "Softmax regression".into(),
            ModelSpec::Mlp {
                hidden_layers,
                activation,
            } => format!(
                "MLP ({} hidden, {})",
                hidden_layers
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join("–"),
                match activation {
                    Activation::Relu => "ReLU",
                    Activation::Tanh => "tanh",
                }
            ),
        }
    }
}

/// What the final layer computes, fixed by the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Head {
    /// Regression: scores are the predictions.
    Identity,
    /// Binary classification: one score, the probability of class 1 is σ(z).
    Sigmoid,
    /// Classification into `k` classes: k scores, probabilities by softmax.
    Softmax,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layer {
    inputs: usize,
    outputs: usize,
    /// Index of this layer's first weight in the flat parameters.
    offset: usize,
}

impl Layer {
    fn bias_offset(&self) -> usize {
        self.offset + self.inputs * self.outputs
    }
}

/// A model ready to train: its shape and head, but not its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    layers: Vec<Layer>,
    activation: Activation,
    head: Head,
    parameter_count: usize,
    /// The order its dot products add in.
    numerics: Numerics,
    /// A bug the mutation runner injected; `None` in every normal run.
    pub(crate) injected: Option<Injected>,
}

impl Network {
    /// Builds the network for `spec` on `inputs` features, adding in the order of `numerics`
    /// (the spec's `training.numerics`). `classes` is 0 for regression.
    pub fn new(
        spec: &ModelSpec,
        inputs: usize,
        classes: usize,
        numerics: Numerics,
    ) -> Result<Self, EngineError> {
        let wrong = |what: &str| {
            Err(EngineError::setting(
                "model.kind",
                format!("{} {what}", spec.label()),
            ))
        };
        let (hidden, activation, head) = match spec {
            ModelSpec::LinearRegression if classes == 0 => {
                (vec![], Activation::Relu, Head::Identity)
            }
            ModelSpec::LinearRegression => return wrong("needs a numeric target (regression)"),
            ModelSpec::LogisticRegression if classes == 2 => {
                (vec![], Activation::Relu, Head::Sigmoid)
            }
            ModelSpec::LogisticRegression => {
                return wrong("needs a target with exactly two classes");
            }
            ModelSpec::SoftmaxRegression if classes >= 2 => {
                (vec![], Activation::Relu, Head::Softmax)
            }
            ModelSpec::SoftmaxRegression => return wrong("needs a classification target"),
            ModelSpec::Mlp {
                hidden_layers,
                activation,
            } => {
                spec.validate()?;
                let head = match classes {
                    0 => Head::Identity,
                    2 => Head::Sigmoid,
                    _ => Head::Softmax,
                };
                (
                    hidden_layers.iter().map(|&u| u as usize).collect(),
                    *activation,
                    head,
                )
            }
        };
        if inputs == 0 {
            return Err(EngineError::Data(
                "the model needs at least one feature".into(),
            ));
        }
        let outputs = if head == Head::Softmax { classes } else { 1 };
        let mut layers = Vec::new();
        let mut offset = 0;
        let mut fan_in = inputs;
        for units in hidden.into_iter().chain([outputs]) {
            layers.push(Layer {
                inputs: fan_in,
                outputs: units,
                offset,
            });
            offset += fan_in * units + units;
            fan_in = units;
        }
        Ok(Self {
            layers,
            activation,
            head,
            parameter_count: offset,
            numerics,
            injected: None,
        })
    }

    /// This network with `mutation` injected (the mutation runner's only).
    pub(crate) fn with_mutation(mut self, mutation: Mutation) -> Self {
        self.injected = Some(Injected::new(mutation));
        self
    }

    /// The injected mutation, if any.
    pub(crate) fn mutation(&self) -> Option<Mutation> {
        self.injected.as_ref().map(|i| i.mutation)
    }

    pub fn head(&self) -> Head {
        self.head
    }

    pub fn numerics(&self) -> Numerics {
        self.numerics
    }

    pub fn parameter_count(&self) -> usize {
        self.parameter_count
    }

    /// Where the output layer's biases (the intercepts) sit in the flat parameters.
    pub(crate) fn output_biases(&self) -> std::ops::Range<usize> {
        self.layers
            .last()
            .map_or(0..0, |l| l.bias_offset()..l.bias_offset() + l.outputs)
    }

    /// Columns of [`Network::predict`]'s output.
    pub fn outputs(&self) -> usize {
        self.layers.last().map_or(1, |l| l.outputs)
    }

    /// Initial parameters, drawn layer by layer, weights in storage order, biases zero.
    /// Linear models start near zero (N(0, 0.01²)); networks with hidden layers use
    /// N(0, gain/fan_in) (gain 2 for ReLU, 1 for tanh) so signals neither vanish nor explode.
    pub fn init(&self, rng: &mut SeededRng) -> Vec<f64> {
        let mut params = vec![0.0; self.parameter_count];
        let linear = self.layers.len() == 1;
        for layer in &self.layers {
            let scale = if linear {
                0.01
            } else {
                let gain = if self.activation == Activation::Relu {
                    2.0
                } else {
                    1.0
                };
                libm::sqrt(gain / layer.inputs as f64)
            };
            for w in &mut params[layer.offset..layer.bias_offset()] {
                *w = scale * rng.normal();
            }
        }
        params
    }

    /// Predictions, one row per input row: the value (identity), the probability of class 1
    /// (sigmoid), or every class's probability (softmax).
    pub fn predict(&self, params: &[f64], x: ArrayView2<f64>) -> Array2<f64> {
        if self.injected.is_some() {
            return self.predict_mutated(params, x);
        }
        let mut out = Array2::zeros((x.nrows(), self.outputs()));
        let mut activations = self.buffers();
        for_each_row(x, |r, row| {
            self.forward(params, row, &mut activations);
            let scores = &activations[self.layers.len() - 1];
            let mut target = out.row_mut(r);
            match self.head {
                Head::Identity => target[0] = scores[0],
                Head::Sigmoid => target[0] = sigmoid(scores[0]),
                Head::Softmax => {
                    for (t, p) in target.iter_mut().zip(softmax(scores)) {
                        *t = p;
                    }
                }
            }
        });
        out
    }

    /// [`Network::predict`] with the injected bug: kept apart so the normal path stays as it
    /// was, bit for bit and branch for branch.
    fn predict_mutated(&self, params: &[f64], x: ArrayView2<f64>) -> Array2<f64> {
        let mutation = self.mutation();
        let mut out = Array2::zeros((x.nrows(), self.outputs()));
        let mut activations = self.buffers();
        let mut copy = Vec::with_capacity(x.ncols());
        for_each_row(x, |r, row| {
            copy.clear();
            copy.extend_from_slice(row);
            if mutation == Some(Mutation::PredictDropsLastFeature)
                && let Some(last) = copy.last_mut()
            {
                *last = 0.0;
            }
            self.forward(params, &copy, &mut activations);
            let scores = &activations[self.layers.len() - 1];
            let mut target = out.row_mut(r);
            let unnormalised = mutation == Some(Mutation::ProbabilitiesNotNormalised);
            match self.head {
                Head::Identity => target[0] = scores[0],
                Head::Sigmoid if unnormalised => target[0] = scores[0],
                Head::Sigmoid => target[0] = sigmoid(scores[0]),
                Head::Softmax => {
                    let probabilities: Vec<f64> = match mutation {
                        Some(Mutation::SoftmaxUnstable) => {
                            let exps: Vec<f64> = scores.iter().map(|&z| libm::exp(z)).collect();
                            let sum: f64 = exps.iter().sum();
                            exps.into_iter().map(|e| e / sum).collect()
                        }
                        Some(Mutation::ProbabilitiesNotNormalised) => {
                            let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                            scores.iter().map(|&z| libm::exp(z - max)).collect()
                        }
                        _ => softmax(scores),
                    };
                    for (t, p) in target.iter_mut().zip(probabilities) {
                        *t = p;
                    }
                }
            }
        });
        out
    }

    /// Mean loss over the rows of `x` and its gradient. `y` holds the target value
    /// (regression) or the class index (classification).
    pub fn loss_and_gradient(
        &self,
        params: &[f64],
        x: ArrayView2<f64>,
        y: ArrayView1<f64>,
        l2: f64,
    ) -> (f64, Vec<f64>) {
        let mut gradient = vec![0.0; self.parameter_count];
        let loss = self.accumulate(params, (x, y), Some(&mut gradient));
        let penalty = self.finish_gradient(params, x.nrows(), l2, &mut gradient);
        (
            loss / x.nrows().max(1) as f64 + 0.5 * l2 * penalty,
            gradient,
        )
    }

    /// The mean gradient over `rows` of `x` (in that order) into `scratch`: the same numbers,
    /// bit for bit, as [`Network::loss_and_gradient`] on those rows copied out, without the copy,
    /// an allocation or the loss that training does not use.
    pub(crate) fn batch_gradient<'s>(
        &self,
        params: &[f64],
        (x, y): (ArrayView2<f64>, ArrayView1<f64>),
        rows: &[usize],
        l2: f64,
        scratch: &'s mut Scratch,
    ) -> &'s mut [f64] {
        let Scratch {
            activations,
            deltas,
            gradient,
        } = scratch;
        gradient.fill(0.0);
        self.accumulate_gradient(
            params,
            (x, y),
            rows.iter().copied(),
            gradient,
            (activations, deltas),
        );
        self.finish_gradient(params, rows.len(), l2, gradient);
        gradient
    }

    /// Buffers for [`Network::batch_gradient`], made once per training run.
    pub(crate) fn scratch(&self) -> Scratch {
        Scratch {
            activations: self.buffers(),
            deltas: self.buffers(),
            gradient: vec![0.0; self.parameter_count],
        }
    }

    /// Turns a summed gradient over `rows` rows into the mean plus the L2 term (and an injected
    /// bug's change); returns the penalty.
    fn finish_gradient(&self, params: &[f64], rows: usize, l2: f64, gradient: &mut [f64]) -> f64 {
        let n = rows.max(1) as f64;
        if self.mutation() != Some(Mutation::GradientScaledWrong) {
            for g in gradient.iter_mut() {
                *g /= n;
            }
        }
        let penalty = self.add_penalty(params, l2, Some(gradient));
        match self.mutation() {
            Some(Mutation::GradientSignFlipped) => gradient.iter_mut().for_each(|g| *g = -*g),
            Some(Mutation::BiasGradientDropped) => {
                for layer in &self.layers {
                    gradient[layer.bias_offset()..layer.bias_offset() + layer.outputs].fill(0.0);
                }
            }
            _ => {}
        }
        penalty
    }

    /// Mean loss only, without the cost of a backward pass.
    pub fn loss(&self, params: &[f64], x: ArrayView2<f64>, y: ArrayView1<f64>, l2: f64) -> f64 {
        let loss = self.accumulate(params, (x, y), None);
        let penalty = self.add_penalty(params, l2, None);
        loss / x.nrows().max(1) as f64 + 0.5 * l2 * penalty
    }

    /// Sum of squared weights; adds `λ w` to each weight's gradient when given one.
    fn add_penalty(&self, params: &[f64], l2: f64, mut gradient: Option<&mut [f64]>) -> f64 {
        let mut penalty = 0.0;
        for layer in &self.layers {
            for i in layer.offset..layer.bias_offset() {
                if let Some(g) = gradient.as_deref_mut() {
                    g[i] += l2 * params[i];
                }
                penalty += params[i] * params[i];
            }
        }
        penalty
    }

    /// One activation buffer per layer input and output.
    fn buffers(&self) -> Vec<Vec<f64>> {
        self.layers.iter().map(|l| vec![0.0; l.outputs]).collect()
    }

    /// Fills `activations[l]` with layer l's output (pre-head scores for the last layer).
    fn forward(&self, params: &[f64], row: &[f64], activations: &mut [Vec<f64>]) {
        for (l, layer) in self.layers.iter().enumerate() {
            let (before, after) = activations.split_at_mut(l);
            let input: &[f64] = before.last().map_or(row, Vec::as_slice);
            let hidden = l + 1 < self.layers.len();
            let outputs = &mut after[0];
            let weights = &params[layer.offset..layer.bias_offset()];
            self.numerics.dots(input, weights, outputs);
            let biases = &params[layer.bias_offset()..][..layer.outputs];
            for (out, bias) in outputs.iter_mut().zip(biases) {
                let z = *out + bias;
                *out = if hidden { self.activate(z) } else { z };
            }
        }
    }

    fn activate(&self, z: f64) -> f64 {
        match self.activation {
            // `max` would turn NaN into 0 and hide a diverged layer.
            Activation::Relu => {
                if z > 0.0 || z.is_nan() {
                    z
                } else {
                    0.0
                }
            }
            Activation::Tanh => libm::tanh(z),
        }
    }

    /// Derivative of the activation, from its output `a`.
    fn activation_slope(&self, a: f64) -> f64 {
        match self.activation {
            Activation::Relu => {
                if a > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::Tanh => 1.0 - a * a,
        }
    }

    /// Summed loss over the rows of `x`; adds the summed gradient when asked.
    fn accumulate(
        &self,
        params: &[f64],
        (x, y): (ArrayView2<f64>, ArrayView1<f64>),
        mut gradient: Option<&mut [f64]>,
    ) -> f64 {
        let (mut activations, mut deltas) = (self.buffers(), self.buffers());
        let mut loss = 0.0;
        let mut copy = Vec::new();
        for r in 0..x.nrows() {
            let row = row_slice(x, r, &mut copy);
            let target = y[r];
            self.forward(params, row, &mut activations);
            let last = self.layers.len() - 1;
            let scores = &activations[last];
            loss += self.row_loss(scores, target);
            // The loss alone needs no delta, whose head transcendentals are half the cost.
            if let Some(gradient) = gradient.as_deref_mut() {
                self.output_delta(scores, target, &mut deltas[last]);
                self.backward(params, row, &activations, &mut deltas, gradient);
            }
        }
        loss
    }

    /// [`Network::accumulate`]'s gradient alone: the same steps in the same order, less the
    /// loss.
    fn accumulate_gradient(
        &self,
        params: &[f64],
        (x, y): (ArrayView2<f64>, ArrayView1<f64>),
        rows: impl Iterator<Item = usize>,
        gradient: &mut [f64],
        (activations, deltas): (&mut [Vec<f64>], &mut [Vec<f64>]),
    ) {
        let mut copy = Vec::new();
        for r in rows {
            let row = row_slice(x, r, &mut copy);
            self.forward(params, row, activations);
            let last = self.layers.len() - 1;
            self.output_delta(&activations[last], y[r], &mut deltas[last]);
            self.backward(params, row, activations, deltas, gradient);
        }
    }

    /// One row's loss, from its scores.
    fn row_loss(&self, scores: &[f64], target: f64) -> f64 {
        match self.head {
            Head::Identity => {
                let residual = scores[0] - target;
                0.5 * residual * residual
            }
            Head::Sigmoid => softplus(scores[0]) - target * scores[0],
            Head::Softmax => {
                let class = target as usize;
                logsumexp(scores) - scores.get(class).copied().unwrap_or(0.0)
            }
        }
    }

    /// Fills `delta` with ∂loss/∂scores for one row.
    fn output_delta(&self, scores: &[f64], target: f64, delta: &mut [f64]) {
        match self.head {
            Head::Identity => delta[0] = scores[0] - target,
            Head::Sigmoid => delta[0] = sigmoid(scores[0]) - target,
            Head::Softmax => {
                softmax_into(scores, delta);
                if let Some(d) = delta.get_mut(target as usize) {
                    *d -= 1.0;
                }
            }
        }
    }

    /// Back-propagates `deltas[last]` (∂loss/∂scores) and adds the parameter gradient.
    fn backward(
        &self,
        params: &[f64],
        row: &[f64],
        activations: &[Vec<f64>],
        deltas: &mut [Vec<f64>],
        gradient: &mut [f64],
    ) {
        for l in (0..self.layers.len()).rev() {
            let layer = self.layers[l];
            let input: &[f64] = if l == 0 { row } else { &activations[l - 1] };
            let (before, after) = deltas.split_at_mut(l);
            let delta = &after[0];
            for (o, &d) in delta.iter().enumerate() {
                let grads = &mut gradient[layer.offset + o * layer.inputs..][..layer.inputs];
                for (g, a) in grads.iter_mut().zip(input) {
                    *g += d * a;
                }
                gradient[layer.bias_offset() + o] += d;
            }
            if let Some(previous) = before.last_mut() {
                // `previous[i] = Σ_o W[o][i] d[o]`, added over `o` in order in every numerics
                // version; walking `W` row by row adds the same terms in the same order as a
                // column-wise sum, but reads memory in sequence and vectorises over `i`.
                previous.fill(0.0);
                for (o, &d) in delta.iter().enumerate() {
                    let weights = &params[layer.offset + o * layer.inputs..][..layer.inputs];
                    for (p, w) in previous.iter_mut().zip(weights) {
                        *p += w * d;
                    }
                }
                for (p, &a) in previous.iter_mut().zip(&activations[l - 1]) {
                    *p *= self.activation_slope(a);
                }
            }
        }
    }
}

/// A training run's reusable buffers: each layer's activations and deltas, and the gradient.
#[derive(Debug, Clone)]
pub(crate) struct Scratch {
    activations: Vec<Vec<f64>>,
    deltas: Vec<Vec<f64>>,
    gradient: Vec<f64>,
}

/// Calls `f(index, row)` with each row as a slice, copying only rows of non-contiguous views.
fn for_each_row(x: ArrayView2<f64>, mut f: impl FnMut(usize, &[f64])) {
    let mut buffer = Vec::with_capacity(x.ncols());
    for (r, row) in x.rows().into_iter().enumerate() {
        match row.as_slice() {
            Some(slice) => f(r, slice),
            None => {
                buffer.clear();
                buffer.extend(row.iter());
                f(r, &buffer);
            }
        }
    }
}

/// Row `r` of `x` as a slice: borrowed when the row is contiguous, else copied into `copy`.
fn row_slice<'a>(x: ArrayView2<'a, f64>, r: usize, copy: &'a mut Vec<f64>) -> &'a [f64] {
    let row = x.index_axis_move(Axis(0), r);
    match row.to_slice() {
        Some(slice) => slice,
        None => {
            copy.clear();
            copy.extend(row.iter());
            copy
        }
    }
}

/// `σ(z) = 1 / (1 + e^{−z})`, evaluated on the side that cannot overflow.
pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + libm::exp(-z))
    } else {
        let e = libm::exp(z);
        e / (1.0 + e)
    }
}

/// `ln(1 + e^z)` without overflow.
pub fn softplus(z: f64) -> f64 {
    z.max(0.0) + libm::log1p(libm::exp(-z.abs()))
}

/// `ln Σ e^{z_k}`, shifted by the maximum so it cannot overflow.
fn logsumexp(z: &[f64]) -> f64 {
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    let mut sum = 0.0;
    for &v in z {
        sum += libm::exp(v - max);
    }
    max + libm::log(sum)
}

/// Probabilities `e^{z_k} / Σ e^{z_j}`.
pub fn softmax(z: &[f64]) -> Vec<f64> {
    let mut probabilities = vec![0.0; z.len()];
    softmax_into(z, &mut probabilities);
    probabilities
}

/// [`softmax`] into `out` (as long as `z`), without allocating.
fn softmax_into(z: &[f64], out: &mut [f64]) {
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for (o, &v) in out.iter_mut().zip(z) {
        *o = libm::exp(v - max);
        sum += *o;
    }
    for o in out.iter_mut() {
        *o /= sum;
    }
}
