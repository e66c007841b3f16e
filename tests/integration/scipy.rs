//! `rjax::scipy` against JAX's `jax.scipy` (tests/fixtures/scipy.txt,
//! written by tools/fixtures/generate.sh), eager and under `jit`.

use crate::fixtures::{Case, Computed, assert_matches, case, check_case};
use rjax::Array;
use rjax::scipy::signal::{self, Mode};
use rjax::scipy::stats::{
    bernoulli, beta, cauchy, dirichlet, gamma, laplace, multivariate_normal, norm, poisson, t,
    uniform,
};
use rjax::scipy::{linalg, special};

const FIXTURES: &str = include_str!("../fixtures/scipy.txt");

fn run(cases: &[(&str, Case)]) {
    for &(name, f) in cases {
        check_case(FIXTURES, name, f);
    }
}

macro_rules! unary_cases {
    ($($name:literal => $f:path),* $(,)?) => {
        [$(($name, (|x: &[Array]| vec![$f(&x[0])]) as Case)),*]
    };
}

#[test]
fn special_functions() {
    run(&unary_cases![
        "gammaln" => special::gammaln,
        "digamma" => special::digamma,
        "erf" => special::erf,
        "erfc" => special::erfc,
        "erfinv" => special::erfinv,
        "ndtr" => special::ndtr,
        "ndtri" => special::ndtri,
        "log_ndtr" => special::log_ndtr,
        "log_ndtr_f64" => special::log_ndtr,
        "expit" => special::expit,
        "logit" => special::logit,
        "i0e" => special::i0e,
        "i1e" => special::i1e,
        "entr" => special::entr,
        "entr_signs" => special::entr,
    ]);
    run(&[
        ("betaln", |x| vec![special::betaln(&x[0], &x[1])]),
        ("xlogy", |x| vec![special::xlogy(&x[0], &x[1])]),
        ("xlog1py", |x| vec![special::xlog1py(&x[0], &x[1])]),
        ("gammainc", |x| vec![special::gammainc(&x[0], &x[1])]),
        ("gammaincc", |x| vec![special::gammaincc(&x[0], &x[1])]),
        ("betainc", |x| vec![special::betainc(&x[0], &x[1], &x[2])]),
        ("zeta", |x| vec![special::zeta(&x[0], &x[1])]),
        ("polygamma", |x| vec![special::polygamma(&x[0], &x[1])]),
        ("logsumexp", |x| vec![special::logsumexp(&x[0], 1, false)]),
        ("beta", |x| vec![special::beta(&x[0], &x[1])]),
        ("poch", |x| vec![special::poch(&x[0], &x[1])]),
        ("multigammaln", |x| vec![special::multigammaln(&x[0], 3)]),
        ("rel_entr", |x| vec![special::rel_entr(&x[0], &x[1])]),
        ("kl_div", |x| vec![special::kl_div(&x[0], &x[1])]),
        ("boxcox", |x| vec![special::boxcox(&x[0], &x[1])]),
        ("boxcox1p", |x| vec![special::boxcox1p(&x[0], &x[1])]),
    ]);
    run(&unary_cases![
        "gamma" => special::gamma,
        "factorial" => special::factorial,
        "i0" => special::i0,
        "i1" => special::i1,
    ]);
}

#[test]
fn location_scale_distributions() {
    run(&[
        ("norm_logpdf", |x| vec![norm::logpdf(&x[0], &x[1], &x[2])]),
        ("norm_pdf", |x| vec![norm::pdf(&x[0], &x[1], &x[2])]),
        ("norm_cdf", |x| vec![norm::cdf(&x[0], &x[1], &x[2])]),
        ("norm_logcdf", |x| vec![norm::logcdf(&x[0], &x[1], &x[2])]),
        ("norm_sf", |x| vec![norm::sf(&x[0], &x[1], &x[2])]),
        ("norm_logsf", |x| vec![norm::logsf(&x[0], &x[1], &x[2])]),
        ("norm_ppf", |x| vec![norm::ppf(&x[0], &x[1], &x[2])]),
        ("cauchy_logpdf", |x| {
            vec![cauchy::logpdf(&x[0], &x[1], &x[2])]
        }),
        ("cauchy_cdf", |x| vec![cauchy::cdf(&x[0], &x[1], &x[2])]),
        ("cauchy_logcdf", |x| {
            vec![cauchy::logcdf(&x[0], &x[1], &x[2])]
        }),
        ("cauchy_sf", |x| vec![cauchy::sf(&x[0], &x[1], &x[2])]),
        ("cauchy_logsf", |x| vec![cauchy::logsf(&x[0], &x[1], &x[2])]),
        ("cauchy_ppf", |x| vec![cauchy::ppf(&x[0], &x[1], &x[2])]),
        ("laplace_logpdf", |x| {
            vec![laplace::logpdf(&x[0], &x[1], &x[2])]
        }),
        ("laplace_cdf", |x| vec![laplace::cdf(&x[0], &x[1], &x[2])]),
        ("uniform_logpdf", |x| {
            vec![uniform::logpdf(&x[0], &x[1], &x[2])]
        }),
        ("uniform_cdf", |x| vec![uniform::cdf(&x[0], &x[1], &x[2])]),
        ("uniform_ppf", |x| vec![uniform::ppf(&x[0], &x[1], &x[2])]),
        ("t_logpdf", |x| vec![t::logpdf(&x[0], &x[1], &x[2], &x[3])]),
    ]);
}

#[test]
fn shape_parameter_and_discrete_distributions() {
    run(&[
        ("gamma_logpdf", |x| {
            vec![gamma::logpdf(&x[0], &x[1], &x[2], &x[3])]
        }),
        ("gamma_cdf", |x| {
            vec![gamma::cdf(&x[0], &x[1], &x[2], &x[3])]
        }),
        ("gamma_sf", |x| vec![gamma::sf(&x[0], &x[1], &x[2], &x[3])]),
        ("beta_logpdf", |x| {
            vec![beta::logpdf(&x[0], &x[1], &x[2], &x[3], &x[4])]
        }),
        ("beta_cdf", |x| {
            vec![beta::cdf(&x[0], &x[1], &x[2], &x[3], &x[4])]
        }),
        ("beta_sf", |x| {
            vec![beta::sf(&x[0], &x[1], &x[2], &x[3], &x[4])]
        }),
        ("poisson_logpmf", |x| {
            vec![poisson::logpmf(&x[0], &x[1], &x[2])]
        }),
        ("poisson_cdf", |x| vec![poisson::cdf(&x[0], &x[1], &x[2])]),
        ("bernoulli_logpmf", |x| {
            vec![bernoulli::logpmf(&x[0], &x[1], &x[2])]
        }),
        ("bernoulli_cdf", |x| vec![bernoulli::cdf(&x[0], &x[1])]),
        ("bernoulli_ppf", |x| vec![bernoulli::ppf(&x[0], &x[1])]),
        ("dirichlet_logpdf", |x| {
            vec![dirichlet::logpdf(&x[0], &x[1])]
        }),
        ("mvn_logpdf", |x| {
            vec![multivariate_normal::logpdf(&x[0], &x[1], &x[2])]
        }),
    ]);
}

#[test]
fn linear_algebra() {
    run(&[
        ("solve_triangular_lower", |x| {
            vec![linalg::solve_triangular(&x[0], &x[1], false, true, false)]
        }),
        ("solve_triangular_upper_t", |x| {
            vec![linalg::solve_triangular(&x[0], &x[1], true, false, false)]
        }),
        ("cho_solve_lower", |x| {
            vec![linalg::cho_solve(&linalg::cho_factor(&x[0], true), &x[1])]
        }),
        ("cho_solve_upper", |x| {
            vec![linalg::cho_solve(&linalg::cho_factor(&x[0], false), &x[1])]
        }),
        ("lu_solve", |x| {
            vec![linalg::lu_solve(&linalg::lu_factor(&x[0]), &x[1])]
        }),
        ("block_diag", |x| vec![linalg::block_diag(x)]),
        ("expm_f32", |x| vec![linalg::expm(&x[0])]),
        ("expm_f64", |x| vec![linalg::expm(&x[0])]),
        ("expm_large_f64", |x| vec![linalg::expm(&x[0])]),
        ("scipy_det", |x| vec![linalg::det(&x[0])]),
        ("scipy_inv", |x| vec![linalg::inv(&x[0])]),
        ("scipy_cholesky_upper", |x| {
            vec![linalg::cholesky(&x[0], false)]
        }),
        ("scipy_lu", |x| {
            let (p, l, u) = linalg::lu(&x[0]);
            vec![p, l, u]
        }),
        ("toeplitz", |x| vec![linalg::toeplitz(&x[0], Some(&x[1]))]),
    ]);
}

#[test]
fn signal_convolutions() {
    let modes = [
        ("full", Mode::Full),
        ("same", Mode::Same),
        ("valid", Mode::Valid),
    ];
    for (name, mode) in modes {
        let (inputs, want) = case(FIXTURES, &format!("convolve_{name}"));
        let got = signal::convolve(&inputs[0], &inputs[1], mode);
        assert_matches(name, &got, &want[0], Computed::Differently);
        let (inputs, want) = case(FIXTURES, &format!("correlate_{name}"));
        let got = signal::correlate(&inputs[0], &inputs[1], mode);
        assert_matches(name, &got, &want[0], Computed::Differently);
        let (inputs, want) = case(FIXTURES, &format!("convolve2d_{name}"));
        let got = signal::convolve2d(&inputs[0], &inputs[1], mode);
        assert_matches(name, &got, &want[0], Computed::Differently);
    }
}
