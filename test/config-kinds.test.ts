// Per-kind schema validation: good manifests load without errors, bad ones report the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileStrings } from '../config';

function check(text: string) {
  const r = compileStrings([{ file: 'k.yaml', text }]);
  return {
    errors: r.errors.map((e) => `${e.path}: ${e.message}`),
    warnings: r.warnings.map((e) => `${e.path}: ${e.message}`),
    r,
  };
}

function assertErrors(text: string, expected: RegExp[]): void {
  const { errors } = check(text);
  assert.equal(errors.length, expected.length, `errors:\n${errors.join('\n')}`);
  expected.forEach((re, i) => assert.match(errors[i], re));
}

function assertValid(text: string): void {
  const { errors } = check(text);
  assert.deepEqual(errors, []);
}

const GW = 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: edge}\n';
const ROUTE = 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\n';
const rule = (body: string) => `${ROUTE}spec:\n  rules:\n    - ${body.trim().split('\n').join('\n      ')}\n`;

test('GatewayClass: controllerName format, DNS-1035 name, unknown fields', () => {
  assertValid('apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: airlock-microgateway}\nspec:\n  controllerName: microgateway.airlock.com/gatewayclass-controller\n  description: the engine\n');
  assertErrors('apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: 1class}\nspec:\n  controllerName: nocontroller\n  extra: 1\n', [
    /^metadata\.name: must be a DNS-1035 label/,
    /^spec\.controllerName: must be a domain-prefixed path/,
    /^spec\.extra: unknown field/,
  ]);
});

test('Gateway: listener rules of the Gateway API CRD', () => {
  assertValid(`${GW}spec:\n  gatewayClassName: c\n  listeners:\n    - {name: http, port: 8080, protocol: HTTP, hostname: "*.example.com", allowedRoutes: {namespaces: {from: Selector, selector: {matchExpressions: [{key: team, operator: In, values: [a]}]}}, kinds: [{kind: HTTPRoute}]}}\n`);
  assertErrors(`${GW}spec:\n  gatewayClassName: c\n  listeners: []\n`, [/^spec\.listeners: must have at least 1 item/]);
  assertErrors(`${GW}spec:\n  gatewayClassName: c\n  listeners:\n    - {name: a, port: 443, protocol: HTTPS}\n    - {name: a, port: 0, protocol: HTTP}\n`, [
    /^spec\.listeners\[0\]\.protocol: protocol HTTPS requires tls/,
    /^spec\.listeners\[1\]\.port: must be at least 1 \(got 0\)/,
    /^spec\.listeners\[1\]\.name: duplicate listener name "a"/,
  ]);
  assertErrors(`${GW}spec:\n  gatewayClassName: c\n  listeners:\n    - {name: a, port: 443, protocol: HTTPS, tls: {mode: Passthrough, certificateRefs: [{name: x}]}}\n    - {name: a, port: 444, protocol: HTTPS, tls: {mode: Terminate}}\n`, [
    /^spec\.listeners\[0\]\.tls\.mode: mode must be Terminate for protocol HTTPS/,
    /^spec\.listeners\[1\]\.tls\.certificateRefs: certificateRefs \(or options\) must be specified/,
    /^spec\.listeners\[1\]\.name: duplicate listener name "a"/,
  ]);
  assertErrors(`${GW}spec:\n  gatewayClassName: c\n  listeners:\n    - name: a\n      port: 443\n      protocol: HTTPS\n      tls:\n        certificateRefs: [{name: x}]\n        options:\n          microgateway.airlock.com/minimumVersion: TLSv1_3\n          microgateway.airlock.com/maximumVersion: TLSv1_2\n          microgateway.airlock.com/cipher: x\n          example.com/other: y\n      allowedRoutes: {namespaces: {from: Selector}}\n`, [
    /^spec\.listeners\[0\]\.tls\.options\["microgateway\.airlock\.com\/minimumVersion"\]: minimumVersion must not be above maximumVersion/,
    /^spec\.listeners\[0\]\.tls\.options\["microgateway\.airlock\.com\/cipher"\]: unknown option/,
    /^spec\.listeners\[0\]\.allowedRoutes\.namespaces\.selector: required when from is Selector/,
  ]);
  assertErrors(`${GW}spec:\n  gatewayClassName: c\n  listeners:\n    - name: a\n      port: 443\n      protocol: HTTPS\n      tls:\n        certificateRefs: [{name: x}]\n        options: {microgateway.airlock.com/minimumVersion: TLS1.2}\n`, [
    /minimumVersion"\]: must be one of TLS_AUTO, TLSv1_0, TLSv1_1, TLSv1_2, TLSv1_3 \(got "TLS1\.2"\)/,
  ]);
  const other = check(`${GW}spec:\n  gatewayClassName: c\n  listeners:\n    - name: a\n      port: 443\n      protocol: HTTPS\n      tls:\n        certificateRefs: [{name: x}]\n        options: {example.com/other: y}\n`);
  assert.deepEqual(other.errors, []);
  assert.ok(other.warnings.some((w) => /options\["example\.com\/other"\]: option of another implementation; ignored/.test(w)));
  assertErrors(`apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: edge.v2}\nspec:\n  gatewayClassName: c\n  listeners: [{name: a, port: 80, protocol: HTTP}]\n`, [/^metadata\.name: Gateway names must be DNS-1035 labels/]);
});

test('HTTPRoute: a rich valid route', () => {
  assertValid(`apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: r\n  uid: 1234\n  resourceVersion: "9"\n  annotations: {a: b}\nstatus: {parents: []}\nspec:
  parentRefs: [{name: edge, sectionName: http, port: 80}]
  hostnames: [a.example.com, "*.example.net"]
  rules:
    - name: one
      matches:
        - path: {type: RegularExpression, value: "/v[0-9]+/.*"}
          headers: [{type: RegularExpression, name: X-A, value: "^a(b|c)$"}]
          queryParams: [{name: q, value: "1"}]
          method: PATCH
      filters:
        - type: URLRewrite
          urlRewrite: {hostname: b.example.com, path: {type: ReplaceFullPath, replaceFullPath: /x}}
        - type: RequestMirror
          requestMirror: {backendRef: {name: m, port: 80}, fraction: {numerator: 1, denominator: 3}}
        - type: RequestMirror
          requestMirror: {backendRef: {name: m2, port: 80}}
        - type: CORS
          cors: {allowOrigins: ["https://*.example.com"], allowMethods: [GET], allowHeaders: ["*"], maxAge: 60}
      backendRefs: [{name: s, port: 80, weight: 0}]
      timeouts: {request: 1h30m, backendRequest: 500ms}
      retry: {codes: [502, 503], attempts: 3, backoff: 100ms}
`);
});

test('HTTPRoute: matches, regexes and paths', () => {
  assertErrors(rule(`matches:\n  - path: {type: PathPrefix, value: api}\n  - path: {type: Exact, value: "/a//b"}\n  - path: {type: PathPrefix, value: "/a/../b"}\n  - headers: [{type: RegularExpression, name: x, value: "(unclosed"}]\n  - method: FETCH\n  - headers: [{name: "bad header", value: v}]\nbackendRefs: [{name: s, port: 80}]`), [
    /^spec\.rules\[0\]\.matches\[0\]\.path\.value: must start with "\/"/,
    /^spec\.rules\[0\]\.matches\[1\]\.path\.value: must not contain "\/\/"/,
    /^spec\.rules\[0\]\.matches\[2\]\.path\.value: must not contain "\." or "\.\." segments/,
    /^spec\.rules\[0\]\.matches\[3\]\.headers\[0\]\.value: invalid RE2 regular expression/,
    /^spec\.rules\[0\]\.matches\[4\]\.method: must be one of GET, HEAD/,
    /^spec\.rules\[0\]\.matches\[5\]\.headers\[0\]\.name: must be an HTTP header name/,
  ]);
  // RE2 rejects backreferences that JavaScript would accept
  assertErrors(rule(`matches:\n  - path: {type: RegularExpression, value: "/(a)\\\\1"}\nbackendRefs: [{name: s, port: 80}]`), [
    /^spec\.rules\[0\]\.matches\[0\]\.path\.value: invalid RE2 regular expression/,
  ]);
});

test('HTTPRoute: filter constraints', () => {
  assertErrors(rule(`filters:\n  - type: RequestHeaderModifier\n    requestHeaderModifier: {set: [{name: X-A, value: "1"}, {name: x-a, value: "2"}]}\n  - type: RequestHeaderModifier\n    requestHeaderModifier: {remove: [x]}\nbackendRefs: [{name: s, port: 80}]`), [
    /^spec\.rules\[0\]\.filters\[0\]\.requestHeaderModifier\.set\[1\]\.name: duplicate header name "x-a"/,
    /^spec\.rules\[0\]\.filters\[1\]\.type: filter type RequestHeaderModifier may appear at most once per rule/,
  ]);
  assertErrors(rule(`filters:\n  - type: RequestRedirect\n    requestRedirect: {scheme: https, statusCode: 304}\n  - type: URLRewrite\n    urlRewrite: {hostname: a.example.com}`), [
    /^spec\.rules\[0\]\.filters\[0\]\.requestRedirect\.statusCode: must be one of 301, 302, 303, 307, 308/,
  ]);
  assertErrors(rule(`filters:\n  - type: RequestRedirect\n    requestRedirect: {scheme: https}\n  - type: URLRewrite\n    urlRewrite: {hostname: a.example.com}`), [
    /^spec\.rules\[0\]\.filters\[1\]\.type: RequestRedirect and URLRewrite cannot be used in the same rule/,
  ]);
  assertErrors(rule(`matches: [{path: {value: /a}}, {path: {value: /b}}]\nfilters:\n  - type: URLRewrite\n    urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /x}}\nbackendRefs: [{name: s, port: 80}]`), [
    /^spec\.rules\[0\]\.filters\[0\]\.urlRewrite\.path\.type: ReplacePrefixMatch requires exactly one match \(the rule has 2\)/,
  ]);
  assertErrors(rule(`filters:\n  - type: URLRewrite\n    urlRewrite: {path: {type: ReplacePrefixMatch, replaceFullPath: /x}}\nbackendRefs: [{name: s, port: 80}]`), [
    /^spec\.rules\[0\]\.filters\[0\]\.urlRewrite\.path\.replacePrefixMatch: required when type is ReplacePrefixMatch/,
    /^spec\.rules\[0\]\.filters\[0\]\.urlRewrite\.path\.replaceFullPath: must not be set when type is ReplacePrefixMatch/,
  ]);
  assertErrors(rule(`filters:\n  - type: RequestMirror\n    requestMirror: {backendRef: {name: m}, fraction: {numerator: 5, denominator: 4}}\n  - type: CORS\n    cors: {allowOrigins: ["ftp//x"], allowMethods: ["*", GET]}\n  - type: Magic\nbackendRefs: [{name: s, port: 80, weight: 1000001}, {name: t}]`), [
    /^spec\.rules\[0\]\.filters\[0\]\.requestMirror\.backendRef\.port: port is required for a Service reference/,
    /^spec\.rules\[0\]\.filters\[0\]\.requestMirror\.fraction\.numerator: numerator must not exceed denominator/,
    /^spec\.rules\[0\]\.filters\[1\]\.cors\.allowOrigins\[0\]: must be "\*" or an origin/,
    /^spec\.rules\[0\]\.filters\[1\]\.cors\.allowMethods: "\*" must be the only entry/,
    /^spec\.rules\[0\]\.filters\[2\]\.type: must be one of RequestHeaderModifier/,
    /^spec\.rules\[0\]\.backendRefs\[0\]\.weight: must be at most 1000000/,
    /^spec\.rules\[0\]\.backendRefs\[1\]\.port: port is required for a Service reference/,
  ]);
});

test('HTTPRoute: route-level limits and hostnames', () => {
  assertErrors(`${ROUTE}spec:\n  hostnames: ["10.0.0.1", "A.example.com", "*.*.example.com"]\n  rules:\n    - {name: x}\n    - {name: x}\n`, [
    /^spec\.hostnames\[0\]: must be a hostname, not an IP address/,
    /^spec\.hostnames\[1\]: must be a lower-case hostname/,
    /^spec\.hostnames\[2\]: must be a lower-case hostname/,
    /^spec\.rules\[1\]\.name: duplicate rule name "x"/,
  ]);
  const many = Array.from({ length: 65 }, (_, i) => `{path: {value: /p${i}}}`).join(', ');
  assertErrors(rule(`matches: [${many}]`), [/^spec\.rules\[0\]\.matches: must have at most 64 items \(has 65\)/]);
  const rules = Array.from({ length: 3 }, () => `    - matches: [${Array.from({ length: 50 }, (_, i) => `{path: {value: /p${i}}}`).join(', ')}]`).join('\n');
  assertErrors(`${ROUTE}spec:\n  rules:\n${rules}\n`, [/^spec\.rules: a route may have at most 128 matches in total \(has 150\)/]);
});

test('ReferenceGrant, Namespace, Service, EndpointSlice', () => {
  assertValid('apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: g, namespace: b}\nspec:\n  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: a}]\n  to: [{group: "", kind: Service}]\n');
  assertErrors('apiVersion: gateway.networking.k8s.io/v1\nkind: ReferenceGrant\nmetadata: {name: g}\nspec:\n  from: []\n  to: [{kind: Service}]\n', [
    /^spec\.from: must have at least 1 item/,
    /^spec\.to\[0\]\.group: required field is missing/,
  ]);
  assertValid('apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {team: a}}\nspec: {finalizers: [kubernetes]}\nstatus: {phase: Active}\n');
  assertValid('apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: ClusterIP\n  selector: {app: s}\n  sessionAffinity: None\n  ipFamilyPolicy: SingleStack\n  ports: [{name: http, port: 80, targetPort: http, protocol: TCP, appProtocol: kubernetes.io/h2c}]\n');
  assertValid('apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: ExternalName, externalName: api.example.com}\n');
  assertErrors('apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: ExternalName\n  externalName: a.example.com\n  ports: [{name: a, port: 80}, {name: b, port: 70000}]\n  weird: true\n', [
    /^spec\.ports\[1\]\.port: must be at most 65535/,
    /^spec\.weird: unknown field/,
  ]);
  assertErrors('apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80}, {port: 81}]\n', [
    /^spec\.ports\[0\]\.name: required when the Service has more than one port/,
    /^spec\.ports\[1\]\.name: required when the Service has more than one port/,
  ]);
  assertErrors('apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: ExternalName}\n', [/^spec\.externalName: required when type is ExternalName/]);
  assertErrors('apiVersion: v1\nkind: Service\nmetadata: {name: 9s.x, namespace: Shop}\nspec: {ports: [{port: 80}]}\n', [
    /^metadata\.name: must be a DNS-1035 label/,
    /^metadata\.namespace: must be a lower-case DNS label/,
  ]);
  assertValid('apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: e, labels: {kubernetes.io/service-name: s}}\naddressType: IPv6\nendpoints: [{addresses: ["::1"], conditions: {ready: true, serving: true}, nodeName: n}]\nports: [{name: http, port: 80, protocol: TCP}]\n');
  assertErrors('apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: e, labels: {kubernetes.io/service-name: s}}\naddressType: IPv4\nendpoints: [{addresses: ["10.0.0.300"]}]\nspec: {}\n', [
    /^endpoints\[0\]\.addresses\[0\]: "10\.0\.0\.300" is not a valid IPv4 address/,
    /^spec: unknown field/,
  ]);
  const unlabeled = check('apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: e}\naddressType: FQDN\nendpoints: [{addresses: [api.example.com]}]\n');
  assert.deepEqual(unlabeled.errors, []);
  assert.ok(unlabeled.warnings.some((w) => /^metadata\.labels: no "kubernetes\.io\/service-name" label/.test(w)));
});

test('Secret and ConfigMap', () => {
  assertValid('apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/tls\ndata: {tls.crt: "YQ==", tls.key: "Yg=="}\n');
  assertValid('apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/tls\ndata: {tls.crt: "YQ=="}\nstringData: {tls.key: "b"}\n');
  assertErrors('apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/tls\ndata: {tls.crt: "YQ==", "bad key": "YQ=="}\n', [
    /^data\["bad key"\]: invalid key: keys may contain only letters, digits/,
  ]);
  assertErrors('apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/tls\ndata: {tls.crt: "YQ=="}\n', [
    /^data: a kubernetes\.io\/tls Secret needs the key "tls\.key"/,
  ]);
  assertValid('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {ca.crt: "x"}\nbinaryData: {blob: "AAEC"}\nimmutable: true\n');
  assertErrors('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "x", n: 1}\nbinaryData: {b: "%%"}\n', [
    /^data\.n: must be a string \(got number 1\)/,
    /^binaryData\.b: must be base64-encoded/,
  ]);
  assertErrors('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "x"}\nbinaryData: {a: "AAEC"}\n', [
    /^binaryData\.a: key is also present in data/,
  ]);
});

test('GatewayParameters: features, defaults, exclusive choices; spec.kubernetes is a warning', () => {
  const good = check(`apiVersion: microgateway.airlock.com/v1alpha1\nkind: GatewayParameters\nmetadata: {name: p}\nspec:
  logging: {level: debug}
  defaults:
    contentSecurity: {secured: {}}
    telemetryRef: {name: t}
    downstream: {remoteIP: {xff: {trustedCIDRRanges: ["10.0.0.0/8", "fd00::/8"]}}}
    customResponses:
      local: [{statusCodeCondition: {matcher: {range: {start: 400, end: 499}}}, customResponseRef: {name: b}}]
  features: {httpRouteRegexPathMatchEnabled: true, externalNameServicesAllowed: false}
  kubernetes: {service: {type: ClusterIP}, deployment: {replicas: 2}}
`);
  assert.deepEqual(good.errors, []);
  assert.ok(good.warnings.some((w) => /^spec\.kubernetes: Kubernetes-only settings; ignored/.test(w)));
  assertErrors(`apiVersion: microgateway.airlock.com/v1alpha1\nkind: GatewayParameters\nmetadata: {name: p}\nspec:
  logging: {level: loud}
  defaults:
    contentSecurity: {secured: {}, unsecured: {}}
    downstream: {remoteIP: {connectionIP: {}, xff: {numTrustedHops: 0}}}
  features: {regexEverywhere: true}
`, [
    /^spec\.logging\.level: must be one of off, critical/,
    /^spec\.defaults\.contentSecurity\.unsecured: only one of secured, unsecured may be set/,
    /^spec\.defaults\.downstream\.remoteIP\.xff\.numTrustedHops: must be at least 1/,
    /^spec\.defaults\.downstream\.remoteIP\.xff: only one of connectionIP, xff, customHeader, proxyProtocol may be set/,
    /^spec\.features\.regexEverywhere: unknown field/,
  ]);
  assertErrors(`apiVersion: microgateway.airlock.com/v1alpha1\nkind: GatewayParameters\nmetadata: {name: p}\nspec:\n  defaults: {downstream: {remoteIP: {xff: {trustedCIDRRanges: ["10.0.0.0/33"]}}}}\n`, [
    /trustedCIDRRanges\[0\]: must be a CIDR range/,
  ]);
});

test('unknown kinds are kept as warnings with an Unsupported status; unknown versions of known kinds are errors', () => {
  const r = check('apiVersion: microgateway.airlock.com/v1alpha1\nkind: AccessControlPolicy\nmetadata: {name: d}\nspec: {anything: goes}\n---\napiVersion: gateway.networking.k8s.io/v2\nkind: HTTPRoute\nmetadata: {name: r}\nspec: {}\n');
  assert.deepEqual(r.errors, ['apiVersion: unsupported version of HTTPRoute: use gateway.networking.k8s.io/v1 or gateway.networking.k8s.io/v1beta1']);
  assert.ok(r.warnings.includes('kind: kind AccessControlPolicy (microgateway.airlock.com/v1alpha1) is not supported yet; the object is ignored'));
  const st = r.r.statuses.find((s) => s.key.kind === 'AccessControlPolicy');
  assert.deepEqual(st?.conditions, [{ type: 'Accepted', status: 'False', reason: 'Unsupported', message: 'kind AccessControlPolicy is not supported yet' }]);
});
