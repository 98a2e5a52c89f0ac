// A reader–writer lock over the loaded shard indexes: searches share it, the one writer takes it
// alone only for the moment it changes an index in memory (encoding and SQLite work happen outside it),
// so writes never hold searches of committed data back for longer than that.
import Foundation

/// `pthread_rwlock_t` (writer-preferring) with closure-scoped reading and writing. Not reentrant: a writer
/// must not read, and a reader must not take it again while a writer waits.
final class ReadWriteLock: @unchecked Sendable {
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        defer { pthread_rwlockattr_destroy(&attributes) }
        // glibc prefers readers by default: under a steady stream of searches a writer would wait forever.
        pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        // Programmer error only: initialisation fails solely for lack of memory.
        precondition(pthread_rwlock_init(lock, &attributes) == 0, "pthread_rwlock_init failed")
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    func reading<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }

    func writing<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}
