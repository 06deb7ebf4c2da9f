"""Part (e) of the network question: conceptual questions on generalization and
training, one drawn per version, each with a model answer and marking points."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Concept:
    key: str
    question: str  # LaTeX-safe text
    answer: str  # model answer, LaTeX-safe text
    marking: tuple[str, ...]  # points a grader looks for
    marks: int = 4


BANK: tuple[Concept, ...] = (
    Concept(
        "train_test_split",
        "Why do we split the available data into a training set and a test set? "
        "What does the gap between training and test error tell you, and what would you do if it is large?",
        "The model is fitted to the training data, so its training error is an optimistic estimate of how it will do "
        "on new data. A test set that is never used for fitting or for choosing the model gives an unbiased estimate of "
        "the error on unseen data, i.e.\\ of generalization. A large gap (low training error, high test error) signals "
        "over-fitting; counter it with regularization (weight decay), dropout, more or augmented data, a smaller model, "
        "or early stopping, choosing among them on validation data, not on the test set.",
        (
            "training error is optimistic because the model was fitted to those points",
            "test set estimates error on unseen data (generalization)",
            "large gap means over-fitting",
            "names at least two remedies (regularization, dropout, more data, early stopping, smaller model)",
        ),
    ),
    Concept(
        "validation_set",
        "Besides a training set and a test set, we often keep a third, validation set. What is it used for, and why "
        "must the test set not be used for the same purpose?",
        "The validation set is used to choose hyperparameters and models (learning rate, number of hidden units, "
        "regularization strength, when to stop). Each such choice fits the model to the data used to make it, so if the "
        "test set were used to choose, its error would no longer be an unbiased estimate of performance on new data. "
        "The test set is used once, at the end, to report the error of the chosen model.",
        (
            "validation data chooses hyperparameters / model / stopping point",
            "choosing on data makes that data's error optimistic",
            "test set must stay untouched to remain an unbiased estimate",
            "test set used once at the end",
        ),
    ),
    Concept(
        "overfitting",
        "What is over-fitting? Describe how you would detect it from learning curves (error against training epochs) "
        "and name two ways to reduce it.",
        "Over-fitting is when a model fits noise and idiosyncrasies of the training data, so it has low training error but "
        "high error on new data. On learning curves the training error keeps falling while the validation error stops "
        "falling and starts to rise; the gap between them grows. It is reduced by regularization (an $L_2$ or $L_1$ "
        "penalty), dropout, early stopping, more (or augmented) training data, or a model with less capacity.",
        (
            "definition: fits training data (noise) but generalizes poorly",
            "training error falls while validation error rises / gap grows",
            "first valid remedy",
            "second valid remedy",
        ),
    ),
    Concept(
        "l2_regularization",
        "Adding the penalty $\\lambda \\lVert w \\rVert_2^2$ to a loss is called $L_2$ regularization or weight decay. "
        "How does it change the gradient-descent update of $w$, and why does it help generalization? "
        "What happens when $\\lambda$ is too large?",
        "The gradient gains the term $2\\lambda w$, so the update becomes $w \\leftarrow w - \\eta(\\nabla J_0 + 2\\lambda w) "
        "= (1 - 2\\eta\\lambda) w - \\eta \\nabla J_0$: every step shrinks the weights towards zero (weight decay). Small "
        "weights give a smoother function that depends less on any single input, which lowers variance and over-fitting. "
        "With $\\lambda$ too large the weights are pushed close to zero and the model under-fits: both training and test "
        "error are high.",
        (
            "extra gradient term is the vector $2\\lambda w$",
            "update shrinks weights: $(1 - 2\\eta\\lambda)w$",
            "smaller weights, smoother model, less over-fitting",
            "too large $\\lambda$ leads to under-fitting",
        ),
    ),
    Concept(
        "dropout",
        "Explain dropout: what happens during training, what happens at test time, and why it reduces over-fitting.",
        "During training each hidden unit is kept with probability $p$ and otherwise set to zero, a new random mask for "
        "every example or mini-batch, so the network cannot rely on any particular unit and co-adaptation of units is "
        "discouraged; it acts like training an ensemble of many thinned networks that share weights. At test time all "
        "units are used and activations are scaled by $p$ (or, with inverted dropout, the kept activations are scaled by "
        "$1/p$ during training and nothing changes at test time), so expected activations match.",
        (
            "units randomly zeroed during training, new mask each step",
            "all units used at test time with scaling by $p$ (or inverted dropout)",
            "prevents co-adaptation / reliance on single units",
            "ensemble-of-thinned-networks interpretation or regularizing effect",
        ),
    ),
    Concept(
        "early_stopping",
        "What is early stopping, which data set decides when to stop, and why does it act as a regularizer?",
        "Training is monitored on a validation set and stopped when the validation error has not improved for a number "
        "of epochs (the patience); the weights from the best validation epoch are kept. The validation set decides, "
        "never the test set. It regularizes because it limits how far the weights travel from their small initial values: "
        "the effective capacity of the model grows with training time, and stopping early keeps it low, similar in "
        "effect to an $L_2$ penalty.",
        (
            "stop when validation error stops improving; keep best weights",
            "validation set decides, not test set",
            "limits effective capacity / weights stay small",
            "relation to $L_2$ regularization or bias-variance trade-off",
        ),
    ),
    Concept(
        "learning_rate",
        "What happens in gradient descent when the learning rate $\\eta$ is too large, and when it is too small? "
        "How would you notice each from the training loss, and how would you choose $\\eta$?",
        "Too large: steps overshoot the minimum, the loss oscillates or grows from one step to the next and can diverge "
        "to very large values or NaN. Too small: the loss decreases, but very slowly, and training may "
        "stall on plateaus within the time budget. One chooses $\\eta$ by trying values on a logarithmic grid and "
        "comparing the training and validation loss after a few epochs, possibly with a decaying schedule or an adaptive "
        "method (momentum, Adam).",
        (
            "too large: overshoot, oscillation or divergence (loss increases)",
            "too small: very slow decrease / stalls",
            "diagnosis from the loss curve",
            "choose by search on a log scale with validation data, or schedules / adaptive methods",
        ),
    ),
    Concept(
        "data_leakage",
        "What is data leakage between training and test data? Give two concrete examples and explain how they make the "
        "reported test error misleading.",
        "Leakage is any way in which information about the test data influences training or model selection, so the test "
        "error no longer measures performance on truly unseen data and is too optimistic. Examples: normalizing features "
        "with a mean and variance computed on the whole data set before splitting; duplicates or near-duplicates (the same "
        "patient, the same image augmented) in both sets; choosing hyperparameters by test error; using features that are "
        "only known after the outcome. Fit every preprocessing step on the training data only and split by group.",
        (
            "definition: test information influences training or selection",
            "first valid example",
            "second valid example",
            "consequence: optimistic test error; remedy: preprocess on training data only / split by group",
        ),
    ),
    Concept(
        "bias_variance",
        "Explain under-fitting and over-fitting in terms of bias and variance. How do training and test error behave in "
        "each case, and how does model capacity move you between them?",
        "An under-fitting model has high bias: it is too simple to capture the pattern, so both training and test error "
        "are high and close together. An over-fitting model has high variance: it follows the particular training sample, "
        "so the training error is low but the test error is high. Increasing capacity (more units or layers, less "
        "regularization, longer training) lowers bias and raises variance; the best test error lies between, found with "
        "validation data.",
        (
            "under-fitting = high bias: both errors high",
            "over-fitting = high variance: low training, high test error",
            "capacity trades bias against variance",
            "choose capacity with validation data",
        ),
    ),
    Concept(
        "cross_validation",
        "What is $k$-fold cross-validation, when is it preferable to a single validation split, and what does it cost?",
        "The training data is divided into $k$ folds; the model is trained $k$ times, each time on $k-1$ folds and "
        "evaluated on the remaining one, and the $k$ validation errors are averaged. It uses all data for both fitting and "
        "validation, so the estimate has lower variance, which matters when data are scarce. It costs $k$ trainings, and "
        "the test set is still held out for the final estimate.",
        (
            "procedure: $k$ folds, train on $k-1$, validate on 1, average",
            "preferable for small data sets: lower-variance estimate, all data used",
            "cost: $k$ times the training",
            "test set still kept apart",
        ),
    ),
)


# The usual weak answer to each question, for the key's grading note.
WEAK_ANSWERS = {
    "train_test_split": "says the test set is for testing but not why the training error is optimistic, or tunes on the test set",
    "validation_set": "treats validation and test sets as interchangeable (choosing hyperparameters on the test set)",
    "overfitting": "defines over-fitting as a high training error, or names no remedy",
    "l2_regularization": "writes the penalty but not its effect on the update (weights shrink towards 0 each step)",
    "dropout": "says units are removed permanently, or keeps dropping units at test time without rescaling",
    "early_stopping": "stops when the training loss stops falling instead of watching the validation loss",
    "learning_rate": "says a larger learning rate always trains faster, missing the overshoot and divergence",
    "data_leakage": "names leakage but not how test information reaches training (e.g. scaling fitted on all data)",
    "bias_variance": "swaps the two (calls an over-fitting model high-bias)",
    "cross_validation": "describes one train/validation split, not the rotation over k folds and the averaging",
}


def marking_of(answer: str) -> tuple[str, ...]:
    """The marking points of the concept whose model answer is ``answer`` (as
    answers.json records it), or none: the grader's feedback prints them
    beside the model answer of an answer marked by hand."""
    return next((c.marking for c in BANK if c.answer == answer), ())
