// `glossa serve`: builds the application (model loaded once, collections opened, routes, middleware) and
// runs it under swift-service-lifecycle, which turns SIGTERM/SIGINT into a graceful shutdown: stop
// accepting, let in-flight requests (writes included) finish, then write shard files behind and close.
public import Foundation
import GlossaCollection
import GlossaCore
import GlossaEncoder
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The HTTP service over one model and a set of collections (see `ServerConfiguration`).
public enum GlossaServer {
    /// Loads the model, opens the collections, serves until SIGTERM/SIGINT, then shuts down gracefully.
    ///
    /// `onListening(host, port)` is called once the socket is bound (with the real port when 0 was asked).
    /// - Throws: `EncoderError` for the model, `IngestError`/`StoreError`/`ServerError` naming a collection
    ///   that cannot be served, NIO errors when the address cannot be bound.
    public static func run(_ configuration: ServerConfiguration,
                           onListening: @escaping @Sendable (String, Int) -> Void = { _, _ in }) async throws {
        let state = try ServerState(configuration: configuration)
        let router = Router(context: BasicRequestContext.self)
        router.addMiddleware {
            RequestOutcomeMiddleware(metrics: state.metrics, maxBodyBytes: configuration.maxBodyBytes)
            AuthMiddleware(fullKey: configuration.apiKey, readOnlyKey: configuration.readOnlyKey)
        }
        Routes.add(to: router, state: state)
        var logger = Logger(label: "glossa.serve")
        logger.logLevel = .warning
        let app = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .nanoseconds(Int64(configuration.idleTimeout.nanoseconds)))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "glossa"),
            onServerRunning: { channel in
                onListening(configuration.host, channel.localAddress?.port ?? configuration.port)
            },
            logger: logger)
        // The first forward pass: /ready says so once it has run (and every collection is open, which it is).
        let warmUp = Task.detached { await state.warmUp() }
        let flusher = Task.detached { await state.flushPeriodically() }
        do {
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch {
            flusher.cancel()
            state.scheduler.stop()
            throw error
        }
        warmUp.cancel()
        flusher.cancel()
        // Every request has finished: no write is in flight. Write the shard files behind and stop the encoder.
        await state.shutDown()
    }
}

extension Duration {
    var nanoseconds: Double { EmbeddingScheduler.seconds(self) * 1e9 }
}

/// What every route shares: the model, the scheduler in front of it, the collections, the metrics.
final class ServerState: Sendable {
    let configuration: ServerConfiguration
    let encoder: Encoder
    let scheduled: ScheduledEncoder
    let scheduler: EmbeddingScheduler
    let registry: CollectionRegistry
    let metrics = ServerMetrics()
    private let readiness = ReadyFlag()

    init(configuration: ServerConfiguration) throws {
        self.configuration = configuration
        encoder = try Encoder(
            modelFolder: configuration.modelFolder, threads: configuration.threads, precision: configuration.precision)
        var settings = SchedulerSettings()
        settings.batching = configuration.batching
        settings.lanes = configuration.lanes
        settings.batchWait = configuration.batchWait
        settings.tokenBudget = encoder.tokenBudget
        settings.maxQueuedInputs = max(configuration.maxQueuedInputs, 1)
        scheduler = EmbeddingScheduler(encoder: encoder, settings: settings, metrics: metrics)
        scheduled = ScheduledEncoder(encoder: encoder, scheduler: scheduler, timeout: configuration.writeTimeout)
        registry = CollectionRegistry(root: configuration.root, encoder: scheduled)
        scheduler.start()
        registry.removeAbandonedStaging()
        let discovered = configuration.collections.isEmpty
        let folders = discovered ? registry.collectionFolders() : configuration.collections
        do {
            for folder in folders {
                let served: ServedCollection
                do {
                    served = try registry.open(folder: folder)
                } catch IngestError.noSuchCollection where discovered {
                    // A folder that a crash left with a database but no manifest (`glossa index` killed while
                    // creating it): not a collection yet. Named on the command line, it would be an error.
                    FileHandle.standardError.write(Data(
                        "glossa serve: skipping \(folder.path): it holds no complete collection\n".utf8))
                    continue
                }
                metrics.setDocuments(collection: served.name, count: try served.collection.store.counts().documents)
            }
        } catch {
            scheduler.stop()
            throw error
        }
    }

    var isReady: Bool { readiness.isSet }

    func warmUp() async {
        let input = (try? scheduled.modelInput("warm up", kind: .query).ids) ?? [0, 2]
        // `try?`: a failed warm-up leaves /ready at 503, which is what it is for.
        if (try? await scheduler.embed([input], lane: .interactive, deadline: .now + .seconds(600))) != nil {
            readiness.set()
        }
    }

    /// Once a second, queues the writing of shard files that writes left behind (see `flushIfDue`), until cancelled.
    func flushPeriodically() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            for served in registry.all { served.flushIfDue() }
        }
    }

    func shutDown() async {
        for served in registry.all {
            // `try?`: a shard file that cannot be written now is rebuilt from SQLite on the next open.
            try? await served.flush()
        }
        scheduler.stop()
    }
}

/// Set once, read from any thread.
final class ReadyFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
    func set() {
        lock.lock()
        value = true
        lock.unlock()
    }
}
