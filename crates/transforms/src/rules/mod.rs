//! Transforms written in Rust: those that need more than one pattern in view.

mod anyio_backend;
mod custom_loop;
mod event_loop;
mod gather_each;
mod gather_results;
mod gather_unused;
mod loop_time;
mod port_fixture;
mod primitive_annotation;
mod pytest_config;
mod pytest_fixture;
mod pytest_mark;
mod pytest_suite;
mod pytest_support;
mod queue;
mod star_import;
mod start_soon_callable;
mod sync_fixture_user;
mod task_group;
mod task_support;
mod task_then_await;
mod unused_ignore;
mod unused_loop;

use crate::Transform;

pub use anyio_backend::new_conftest;
pub use custom_loop::LoopFacts;
pub use pytest_suite::{suite_facts, SuiteFacts};
pub use unused_ignore::CODE as UNUSED_IGNORE;

/// Every Rust transform.
pub fn all() -> Vec<Box<dyn Transform>> {
    vec![
        Box::new(gather_unused::GatherUnused::new()),
        Box::new(gather_results::GatherResults::new()),
        Box::new(gather_each::GatherEach::new()),
        Box::new(task_group::TaskGroup::new()),
        Box::new(start_soon_callable::StartSoonCallable::new()),
        Box::new(task_then_await::TaskThenAwait::new()),
        Box::new(pytest_config::ConfigFileTransform::settings()),
        Box::new(pytest_config::ConfigFileTransform::dependency()),
        Box::new(pytest_mark::PytestMark::new()),
        Box::new(pytest_fixture::PytestFixture::new()),
        Box::new(anyio_backend::AnyioBackend::new()),
        Box::new(event_loop::EventLoopFixture::new()),
        Box::new(sync_fixture_user::SyncFixtureUser::new()),
        Box::new(port_fixture::PortFixture::new()),
        Box::new(queue::QueueStream::new()),
        Box::new(star_import::StarImport::new()),
        Box::new(unused_loop::UnusedLoop::new()),
        Box::new(loop_time::LoopTime::new()),
        Box::new(primitive_annotation::PrimitiveAnnotation::new()),
        Box::new(unused_ignore::UnusedIgnore::new()),
    ]
}
