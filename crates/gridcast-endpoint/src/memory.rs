//! Giving memory back after a burst. glibc's allocator, left alone, keeps
//! what a burst used: its mmap threshold rises to the largest block freed
//! (so the next 19 MiB argon2 block or 16 MiB model.json comes from a heap
//! that is never shrunk), and the free pages inside each thread's arena
//! stay resident. So the server fixes the threshold, caps the arenas, and
//! trims the heaps after each model load. A batch of similar jobs
//! (`gridcast train`) wants the opposite: what one job frees, the next uses.

/// Blocks from this size up are mapped and unmapped on their own.
const MMAP_THRESHOLD: i32 = 256 * 1024;

/// Tunes the allocator for a server with `threads` busy threads (call once,
/// at start, before other threads allocate).
pub fn tune_allocator(threads: usize) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_ARENA_MAX, (threads.clamp(1, 16) + 2) as i32);
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = (threads, MMAP_THRESHOLD);
}

/// Free memory a batch keeps at the top of a heap instead of returning it.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const BATCH_TRIM_THRESHOLD: i32 = 4 << 20;

/// Tunes the allocator for a batch of similar jobs on a few threads (call
/// once, before the workers start). glibc hands a heap's free top back to
/// the system once it passes 128 KiB. With the artifact writer's deflate
/// state living on per thread, each customer's freed buffers ended up in
/// such a top, handed back and faulted in again by the next customer:
/// 18,600 minor faults for the 1,000 seed customers, 1,150 with up to 4 MiB
/// kept. Peak memory is the same: what is kept is what the next job uses.
pub fn tune_allocator_for_batches() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, BATCH_TRIM_THRESHOLD);
    }
}

/// Returns the free pages of every heap to the system (after a model load,
/// whose parse leaves many small blocks freed).
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory the allocator does not use.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Calls [`release_free_memory`] when dropped (at the end of a scope whose
/// allocations are freed by then), unless [`TrimOnDrop::skip`] said the
/// scope's work was small: trimming after every small load only hands the
/// allocator's pages back for the next load to fault in again.
pub struct TrimOnDrop {
    armed: bool,
}

impl TrimOnDrop {
    /// Armed: trims when dropped.
    pub fn new() -> Self {
        Self { armed: true }
    }

    /// No trim after all: what the scope allocated was small.
    pub fn skip(&mut self) {
        self.armed = false;
    }
}

impl Default for TrimOnDrop {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TrimOnDrop {
    fn drop(&mut self) {
        if self.armed {
            release_free_memory();
        }
    }
}
