// @kubegen/runtime: the hand-written runtime under kubegen's generated clients.
// Each folder under src/ owns one concern (meta, config, transport, rest,
// errors, watch, cache, workqueue, leaderelection, dynamic, discovery, apply);
// this file only re-exports their public API, one block per folder.

// meta: shared apimachinery types
export type * from "./meta/types.js";
export {
  ResourceQuantity,
  QuantityParseError,
  parseQuantity,
  tryParseQuantity,
  toResourceQuantity,
  canonicalQuantity,
  compareQuantities,
} from "./meta/quantity.js";
export type { QuantityFormat } from "./meta/quantity.js";

// util: clock and token bucket
export { realClock, sleepOn } from "./util/clock.js";
export type { Clock, CancelTimer, TimerOptions } from "./util/clock.js";
export { TokenBucket } from "./util/token-bucket.js";

// workqueue: deduping work queue, delays, rate limiters, workers
export * from "./workqueue/index.js";

// meta: option types and label/field selectors
export { PatchType } from "./meta/options.js";
export type {
  RequestOptions,
  DryRun,
  FieldValidation,
  ListOptions,
  WatchOptions,
  GetOptions,
  CreateOptions,
  UpdateOptions,
  PatchOptions,
  ApplyOptions,
  Preconditions,
  DeleteOptions,
  DeleteCollectionOptions,
  LogOptions,
} from "./meta/options.js";
export {
  parseLabelSelector,
  labelSelectorRequirements,
  formatLabelSelector,
  matchesLabelSelector,
  escapeFieldValue,
  formatFieldSelector,
  SelectorParseError,
} from "./meta/selectors.js";
export type { LabelOperator, LabelRequirement, FieldRequirement } from "./meta/selectors.js";

// config: RestConfig, kubeconfig loading rules, in-cluster config, credentials
export {
  ConfigError,
  DEFAULT_QPS,
  DEFAULT_BURST,
  DEFAULT_TOKEN_FILE_RELOAD_MS,
  RUNTIME_VERSION,
  defaultUserAgent,
  effectiveRateLimit,
  newRestConfig,
} from "./config/rest-config.js";
export type {
  RestConfig,
  ExecConfig,
  ExecClusterInfo,
  ImpersonationConfig,
  ApiWarning,
  WarningHandler,
} from "./config/rest-config.js";
export {
  loadKubeconfig,
  parseKubeconfig,
  mergeKubeconfigs,
  kubeconfigPaths,
  kubeconfigToRestConfig,
} from "./config/kubeconfig.js";
export type {
  Kubeconfig,
  KubeconfigCluster,
  KubeconfigUser,
  KubeconfigContext,
  KubeconfigLoadOptions,
  KubeconfigOverrides,
  Named,
} from "./config/kubeconfig.js";
export {
  inClusterConfig,
  isInCluster,
  NotInClusterError,
  SERVICE_ACCOUNT_TOKEN_PATH,
  SERVICE_ACCOUNT_CA_PATH,
} from "./config/in-cluster.js";
export type { InClusterOptions } from "./config/in-cluster.js";
export { loadConfig } from "./config/load-config.js";
export type { LoadConfigOptions } from "./config/load-config.js";
export { TokenFileSource } from "./config/token-file.js";
export { OidcAuthProvider, OIDC_EXPIRY_DELTA_MS, enableOidcAuthProvider } from "./config/oidc.js";
export type { OidcAuthProviderOptions } from "./config/oidc.js";
export { registerAuthProvider } from "./config/auth-provider.js";
export type {
  AuthProviderConfig,
  AuthProviderConfigPersister,
  AuthProviderEntry,
  AuthProviderPlugin,
  AuthProviderTokens,
} from "./config/auth-provider.js";
export { KubeconfigAuthProviderPersister, KubeconfigUpdateError } from "./config/kubeconfig-persister.js";
export { ExecCredentialProvider, DEFAULT_EXEC_PLUGIN_TIMEOUT_MS, DEFAULT_EXEC_PLUGIN_KILL_GRACE_MS } from "./config/exec-credential.js";
export type { ExecCredential, ExecCredentialProviderOptions } from "./config/exec-credential.js";

// errors: ApiError with apimachinery's predicates, NetworkError, redaction
export {
  ApiError,
  STATUS_REASON_CODES,
  isStatus,
  genericServerResponseStatus,
  statusOf,
  reasonForError,
  isNotFound,
  isAlreadyExists,
  isConflict,
  isInvalid,
  isForbidden,
  isUnauthorized,
  isBadRequest,
  isGone,
  isResourceExpired,
  isTooManyRequests,
  isRequestEntityTooLarge,
  isServerTimeout,
  isTimeout,
  isInternalError,
  isServiceUnavailable,
  isMethodNotSupported,
  isNotAcceptable,
  isUnsupportedMediaType,
  isUnexpectedServerError,
  hasStatusCause,
  suggestsClientDelay,
} from "./errors/api-error.js";
export type { RequestContext } from "./errors/api-error.js";
export {
  newNotFound,
  newAlreadyExists,
  newConflict,
  newGone,
  newResourceExpired,
  newBadRequest,
  newMethodNotSupported,
  newForbidden,
  newUnauthorized,
  newTooManyRequests,
  newInternalError,
  newServiceUnavailable,
  newTimeoutError,
  newServerTimeout,
  newInvalid,
  fieldRequired,
  fieldInvalid,
  fieldNotSupported,
  fieldForbidden,
  fieldDuplicate,
  fieldNotFound,
  fieldErrorBody,
  fieldErrorString,
  qualifiedResource,
  qualifiedKind,
  OPTIMISTIC_LOCK_ERROR_MSG,
} from "./errors/constructors.js";
export type { GroupResource, GroupKind, FieldError, FieldErrorType } from "./errors/constructors.js";
export { NetworkError, isNetworkError } from "./errors/network-error.js";
export {
  redact,
  redactHeaders,
  KubegenError,
  REDACTED,
  MIN_SECRET_LENGTH,
  registerSecret,
  registerSecrets,
  registerBasicAuth,
  registerUrlSecrets,
  registerEnvSecrets,
  registerConfigSecrets,
  redactUrl,
  redactValue,
  redactCause,
  redactWarning,
} from "./errors/redact.js";
export type { SecretSource } from "./errors/redact.js";

// transport: pooled HTTPS, auth, QPS limiting, retries, warnings
export { Transport, DEFAULT_MAX_RETRIES, parseRetryAfter } from "./transport/transport.js";
export type { HttpRequest, RequestKind, SendOptions } from "./transport/transport.js";
export { Authenticator, impersonationHeaders } from "./transport/auth.js";
export type { AuthState } from "./transport/auth.js";
export { parseWarningHeaders, dedupeWarnings, defaultWarningHandler } from "./transport/warnings.js";
export { ConnectProxyAgent, TunnelHttpsAgent, TunnelHttpAgent, connectTunnel, tunnelDialer } from "./transport/proxy-agent.js";
export type { TunnelDialer, TunnelOptions } from "./transport/proxy-agent.js";
export { NoProxy, ProxyUrl, parseProxyUrl, proxyForUrl, proxyEnvFrom, PROXY_ENV_VARIABLES } from "./transport/proxy-env.js";
export type { ProxyEnv, ProxyScheme, ProxySettings } from "./transport/proxy-env.js";
export { ProxyError } from "./transport/proxy-error.js";
export type { ProxyErrorCode } from "./transport/proxy-error.js";
export { socksConnect, socksReplyText, DEFAULT_PROXY_HANDSHAKE_TIMEOUT_MS } from "./transport/socks.js";
export type { SocksConnectOptions } from "./transport/socks.js";
export { TlsFileSource, checkTlsMaterial, DEFAULT_TLS_FILE_CHECK_MS, DEFAULT_TLS_FILE_REREAD_MS } from "./transport/cert-rotation.js";
export type { TlsFileEvent, TlsFileSourceOptions, TlsMaterial, TlsRole } from "./transport/cert-rotation.js";
export { ACCEPT_ENCODING, decodeResponse, GunzipIncomingMessage, isGzipEncoded } from "./transport/compression.js";
export type { ResponseContext } from "./transport/compression.js";

// rest: request building (no I/O) and the RestClient
export {
  buildRequest,
  resourcePath,
  groupVersionPath,
  deleteOptionsBody,
  RequestBuildError,
} from "./rest/build-request.js";
export type { Verb, ResourceRef, RequestSpec } from "./rest/build-request.js";
export { RestClient } from "./rest/rest-client.js";
export type { RawResponse, CallOptions } from "./rest/rest-client.js";
export { ResourceClient, executorFor, DEFAULT_PAGE_SIZE } from "./rest/resource-client.js";
export type {
  RequestExecutor,
  ResourceInfo,
  ObjectList,
  ResourceVerb,
  AllNamespacesVerb,
  AllNamespaces,
  ApplyConfigurationLike,
  ApplyBrand,
  ApplyFor,
} from "./rest/resource-client.js";
export type { WatchResponseHooks } from "./rest/rest-client.js";

// watch: typed events and the streaming JSON decoder
export { JsonFramer, parseWatchFrame, decodeWatchEvents, watchErrorToApiError } from "./watch/decoder.js";
export type { WatchEvent, WatchEventType, RawWatchEvent } from "./watch/decoder.js";

// leaderelection: Lease-based leader election (LeaderElector, LeaseLock)
export * from "./leaderelection/index.js";

// features: client-side feature gates (KUBE_FEATURE_<Name>)
export {
  FeatureGates,
  FeatureGateError,
  KNOWN_FEATURES,
  featureGatesFor,
  parseGoBool,
} from "./features/feature-gates.js";
export type { FeatureName, FeatureSpec, FeatureStage } from "./features/feature-gates.js";

// cache: reflector, indexer, shared informers, listers, informer factory base
export * from "./cache/index.js";

// apply: server-side-apply builders, the apply schema, and extraction of a manager's fields
export { SCALAR, UNTYPED, struct, lookupStruct } from "./apply/schema.js";
export type { ApplyNode, ApplyStruct, ApplyStructNode, ApplySchema } from "./apply/schema.js";
export { applySchemaOf, defineApplySchema } from "./apply/define-schema.js";
export { META_APPLY_TYPES, metaApplySchema } from "./apply/meta-schema.js";
export { MetadataApplyConfiguration, ObjectApplyConfiguration, setField, fieldOf } from "./apply/builders.js";
// the builders of the types the runtime owns, generated from runtime/schema/runtime-types.json
export * from "./apply/generated/meta/v1/applyconfigurations/object-meta.js";
export * from "./apply/generated/meta/v1/applyconfigurations/owner-reference.js";
export * from "./apply/generated/meta/v1/applyconfigurations/managed-fields-entry.js";
export * from "./apply/generated/meta/v1/applyconfigurations/label-selector.js";
export * from "./apply/generated/meta/v1/applyconfigurations/label-selector-requirement.js";
export * from "./apply/generated/meta/v1/applyconfigurations/condition.js";
export * from "./apply/generated/core/v1/applyconfigurations/object-reference.js";
export {
  ScaleApplyConfiguration,
  scaleApplySchema,
} from "./apply/generated/autoscaling/v1/applyconfigurations/scale.js";
export * from "./apply/generated/autoscaling/v1/applyconfigurations/scale-spec.js";
export * from "./apply/generated/autoscaling/v1/applyconfigurations/scale-status.js";
export { scale } from "./apply/scale.js";
export { extractApplyConfiguration } from "./apply/extract.js";
export type { ExtractOptions } from "./apply/extract.js";

// dynamic: any resource as unstructured JSON
export { DynamicClient, DynamicResourceClient } from "./dynamic/dynamic-client.js";
export type { GroupVersionResource, Unstructured, UnstructuredList } from "./dynamic/dynamic-client.js";

// discovery: aggregated (v2) and legacy discovery, caches, kind -> resource
export { DiscoveryClient, AGGREGATED_DISCOVERY_ACCEPT } from "./discovery/discovery-client.js";
export type {
  ApiResource,
  ApiGroupInfo,
  DiscoverySnapshot,
  DiscoveryOptions,
  KindRef,
  ServerVersion,
} from "./discovery/discovery-client.js";

// controller: a reusable reconcile loop over the workqueue and informers
export * from "./controller/index.js";

// events: events.k8s.io/v1 event recorder (series dedupe, spam filter)
export * from "./events/index.js";

// health: /healthz, /livez, /readyz server
export * from "./health/index.js";

// helpers: finalizers, owner references, predicates, retry on conflict, waitFor, RetryWatcher
export * from "./helpers/index.js";

// metrics: Prometheus registry and exposition, client-go / controller-runtime metric names
export * from "./metrics/index.js";

// tracing: OpenTelemetry spans (optional peer dependency @opentelemetry/api; off until enableTracing())
export * from "./tracing/index.js";

// stream: exec and attach over WebSocket (v5.channel.k8s.io, v4 fallback), with the REST transport's auth, TLS and proxy
export {
  execPod,
  attachPod,
  execCapture,
  ExitCodeError,
  isExitCodeError,
  OutputLimitError,
  DEFAULT_CAPTURE_MAX_BYTES,
} from "./stream/exec.js";
export type {
  StreamTarget,
  PodStreamOptions,
  PodExecStreamOptions,
  PodAttachStreamOptions,
  PodStreamSession,
  ExecCaptureOptions,
  ExecCaptureResult,
} from "./stream/exec.js";
export type { TerminalSize } from "./stream/channel-protocol.js";
// stream: keep-alive pings of exec, attach and port-forward sessions (`pingIntervalMs`)
export { DEFAULT_STREAM_PING_MS } from "./stream/keepalive.js";

// stream: port forwarding (pods/portforward over WebSocket): local listeners, or one connection as a Duplex
export { portForward, dialPort, buildPortForwardRequest, decodePortHeader, PortForwardError, DEFAULT_PORT_FORWARD_PING_MS } from "./stream/port-forward.js";
export type { PortForwardOptions, PortForwarder, ForwardedPort, PortMapping, PortStreamOptions } from "./stream/port-forward.js";

// stream: pod logs as a stream (pods/log through the REST transport) and cp (tar over exec, streaming, untrusted archives checked)
export { streamPodLogs, podLogQuery, podLogRequest } from "./stream/logs.js";
export type { PodLogStreamOptions } from "./stream/logs.js";
export {
  copyToPod,
  copyFromPod,
  CopyError,
  TarNotFoundError,
  UnsafeArchiveEntryError,
  isCopyError,
  checkArchivePath,
  checkLinkTarget,
} from "./stream/cp.js";
export type { CopyOptions, CopyResult, ArchivePathCheck } from "./stream/cp.js";

// stream: proxy requests (pods/proxy, services/proxy, nodes/proxy) through the REST transport, the proxied path checked and escaped
export { proxyRequest, proxyRequestSpec, proxyPath, proxiedPath, PROXY_METHODS } from "./stream/proxy.js";
export type { ProxyOptions, ProxyRequestOptions, ProxyResponse } from "./stream/proxy.js";
