// `portcullis run --upstream URL [--listen HOST:PORT]`: synthesize the manifests of a one-listener
// Gateway that routes everything to URL. The bind host is not expressible in a Gateway: the caller
// passes it as CompileOptions.bindAddress.
//
// Decisions: https:// upstreams get a BackendTLSPolicy with the system roots (wellKnownCACertificates:
// System, which includes NODE_EXTRA_CA_CERTS) and the URL host as SNI and identity; a URL
// path other than "/" becomes a URLRewrite ReplacePrefixMatch ("/x" → "/base/x"); the upstream
// host, IP or DNS name, is the EndpointSlice address (addressType IPv4/IPv6/FQDN).
import { isIP } from 'node:net';
import { stringify } from 'yaml';
import { DEFAULT_CONTROLLER } from './context';

export const ZERO_CONFIG_FILE = '<zero-config>/manifests.yaml';

export function zeroConfigManifests(upstreamUrl: string, listen: { host: string; port: number }): { file: string; text: string }[] {
  let url: URL;
  try {
    url = new URL(upstreamUrl);
  } catch {
    throw new Error(`invalid upstream URL ${JSON.stringify(upstreamUrl)}: expected something like http://app:3000`);
  }
  const secure = url.protocol === 'https:';
  if (url.protocol !== 'http:' && !secure) throw new Error(`upstream ${upstreamUrl}: the scheme must be http:// or https:// (got ${url.protocol.replace(/:$/, '')})`);
  if (url.username || url.password) throw new Error(`upstream ${upstreamUrl}: credentials in the URL are not supported`);
  if (url.search || url.hash) throw new Error(`upstream ${upstreamUrl}: a query or fragment is not allowed`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new Error(`upstream ${upstreamUrl}: a host is required`);
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  if (!Number.isInteger(listen.port) || listen.port < 1 || listen.port > 65535) {
    throw new Error(`listen port ${listen.port} is not in 1..65535`);
  }
  if (!listen.host) throw new Error('listen host must not be empty');
  const ipVersion = isIP(host);
  const addressType = ipVersion === 4 ? 'IPv4' : ipVersion === 6 ? 'IPv6' : 'FQDN';
  const basePath = url.pathname.replace(/\/+$/, '');

  const rule: Record<string, unknown> = { backendRefs: [{ name: 'upstream', port }] };
  if (basePath !== '') {
    rule.filters = [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: basePath } } }];
  }
  const docs: Record<string, unknown>[] = [
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass',
      metadata: { name: 'airlock-microgateway' },
      spec: { controllerName: DEFAULT_CONTROLLER },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway',
      metadata: { name: 'portcullis', namespace: 'default', annotations: { 'portcullis/listen': `${listen.host}:${listen.port}` } },
      spec: { gatewayClassName: 'airlock-microgateway', listeners: [{ name: 'http', port: listen.port, protocol: 'HTTP' }] },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute',
      metadata: { name: 'upstream', namespace: 'default' },
      spec: { parentRefs: [{ name: 'portcullis' }], rules: [rule] },
    },
    {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'upstream', namespace: 'default' },
      spec: { ports: [{ name: 'http', port }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: 'upstream-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'upstream' } },
      addressType,
      endpoints: [{ addresses: [host] }],
      ports: [{ name: 'http', port }],
    },
  ];
  if (secure) {
    docs.push({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'BackendTLSPolicy',
      metadata: { name: 'upstream', namespace: 'default' },
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: 'upstream' }],
        validation: { hostname: host.toLowerCase(), wellKnownCACertificates: 'System' },
      },
    });
  }
  const text = docs.map((d) => stringify(d)).join('---\n');
  return [{ file: ZERO_CONFIG_FILE, text }];
}
