//! Transforms written in Rust: those that need more than one pattern in view.

mod anyio_backend;
mod asyncio_fixture;
mod asyncio_mark;
mod create_task_await;
mod event_loop_fixture;
mod gather;
mod gather_each;
mod gather_results;
mod loop_time;
mod port_fixture;
mod primitive_annotation;
mod pytest_config;
mod pytest_suite;
mod pytest_support;
mod queue;
mod star_import;
mod start_soon_callable;
mod sync_uses_async_fixture;
mod task_group;
mod task_support;
mod unused_ignore;
mod unused_running_loop;

use crate::Transform;

pub use anyio_backend::new_conftest;
pub use pytest_suite::{suite_facts, SuiteFacts};
pub use unused_ignore::CODE as UNUSED_IGNORE;

/// Every Rust transform.
pub fn all() -> Vec<Box<dyn Transform>> {
    vec![
        Box::new(gather::GatherUnused::new()),
        Box::new(gather_results::GatherResults::new()),
        Box::new(gather_each::GatherEach::new()),
        Box::new(task_group::TaskGroup::new()),
        Box::new(start_soon_callable::StartSoonCallable::new()),
        Box::new(create_task_await::TaskThenAwait::new()),
        Box::new(pytest_config::ConfigFileTransform::settings()),
        Box::new(pytest_config::ConfigFileTransform::dependency()),
        Box::new(asyncio_mark::PytestMark::new()),
        Box::new(asyncio_fixture::PytestFixture::new()),
        Box::new(anyio_backend::AnyioBackend::new()),
        Box::new(event_loop_fixture::EventLoopFixture::new()),
        Box::new(sync_uses_async_fixture::SyncFixtureUser::new()),
        Box::new(port_fixture::PortFixture::new()),
        Box::new(queue::QueueStream::new()),
        Box::new(star_import::StarImport::new()),
        Box::new(unused_running_loop::UnusedLoop::new()),
        Box::new(loop_time::LoopTime::new()),
        Box::new(primitive_annotation::PrimitiveAnnotation::new()),
        Box::new(unused_ignore::UnusedIgnore::new()),
    ]
}
