import Hummingbird
import NIOCore

/// The request context of the API's routes: Hummingbird's basic context plus the connection's channel,
/// which a tap stream registers so the API's shutdown can close a stream whose reader stopped reading.
struct APIRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
