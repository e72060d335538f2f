//! The Endpoints step's logic, one concept per file: the form describing a deployed model,
//! its smoke cases (drafted, then edited), its evaluation on the dataset, the credential kept
//! only in memory, the route a request takes (direct or through the relay), and the results.
//! The engine builds every request (`build_request`) and judges every answer (`judge`); the
//! browser only sends them (`crate::browser::fetch`).

pub mod cases;
pub mod credential;
pub mod evaluation;
pub mod form;
pub mod results;
pub mod route;
pub mod serve;

#[cfg(test)]
pub(crate) mod test_support {
    use super::cases::draft;
    use super::form::EndpointForm;
    use crate::logic::samples::{SAMPLES, author};

    /// The form with cases drafted from the first sample's model and a credential header.
    pub fn drafted_form() -> EndpointForm {
        let authored = author(&SAMPLES[0], 42).unwrap();
        let (features, cases) = draft(&authored.spec, &authored.run, SAMPLES[0].csv).unwrap();
        EndpointForm {
            features,
            cases,
            header_name: "X-Api-Key".into(),
            ..EndpointForm::default()
        }
    }
}
