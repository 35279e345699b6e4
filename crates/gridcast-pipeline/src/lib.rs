//! gridcast's batch pipeline: the seed's SageMaker Processing and training
//! jobs as a library the `gridcast` CLI drives.
//!
//! - [`dataset`]: synthetic consumption data shaped like the seed's.
//! - [`process`]: one big CSV → `<id>.csv` per customer, streaming;
//!   [`columns`] says which input columns it reads and carries.
//! - [`weather`]: the weather dataset's temperature and households.
//! - [`train`]: `<id>.csv` → `<id>.tar.gz`, in parallel, resumable, sharded.
//! - [`backtest`]: Prophet's cross-validation per customer (`--cross-validate`),
//!   and [`accuracy`], the fleet's summary of it.
//! - [`sagemaker`]: the training job's environment (`/opt/ml`), so the same
//!   binary runs as a SageMaker training container.
//! - [`array_job`]: a Kubernetes Indexed Job's or AWS Batch array job's task
//!   index as a [`Shard`].
//!
//! Every output file is written under a temporary name and renamed
//! ([`AtomicFile`]): a reader or a killed run never sees half a file.
#![deny(missing_docs)]

pub mod accuracy;
pub mod array_job;
pub mod backtest;
pub mod columns;
pub mod dataset;
pub mod process;
mod report;
pub mod sagemaker;
mod shard;
pub mod train;
pub mod weather;

pub use gridcast_api::{CustomerId, CustomerIdError, Preset, MAX_CUSTOMER_ID_LEN};
pub use gridcast_store::{temporary_target, AtomicFile};
pub use report::{CustomerReport, Status, TrainSummary, TRAINING_REPORT};
pub use shard::{Shard, ShardError};
