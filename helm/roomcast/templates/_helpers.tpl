{{/* Chart name, truncated to the 63 characters a DNS label allows. */}}
{{- define "roomcast.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: release-chart, or the release name alone when it already contains the chart name.
Truncated to 52 characters so that "-redis-headless" (15) still fits in a 63-character name.
*/}}
{{- define "roomcast.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "roomcast.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels common to every object. */}}
{{- define "roomcast.labels" -}}
helm.sh/chart: {{ include "roomcast.chart" . }}
app.kubernetes.io/name: {{ include "roomcast.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: roomcast
{{- end }}

{{/* Selector of the roomcast pods. The component label keeps it disjoint from the Redis pods. */}}
{{- define "roomcast.selectorLabels" -}}
app.kubernetes.io/name: {{ include "roomcast.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{- define "roomcast.redis.selectorLabels" -}}
app.kubernetes.io/name: {{ include "roomcast.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: redis
{{- end }}

{{- define "roomcast.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "roomcast.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "roomcast.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Name of the Secret holding the credentials (api-keys, jwt-public-key, redis-password, ...; values.yaml, secret). */}}
{{- define "roomcast.secretName" -}}
{{- default (include "roomcast.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{/*
The Redis password of a chart-managed Secret: the value given; else, for the bundled Redis, the one
already stored in the Secret (so that upgrades keep it) or a new random one. An external Redis without
a password gets none. Memoised in .Values so that every template of one render sees the same value.
*/}}
{{- define "roomcast.redisPassword" -}}
{{- if not (hasKey .Values.secret "_resolvedRedisPassword") }}
{{- $password := .Values.secret.redisPassword }}
{{- if and (not $password) .Values.redis.enabled }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "roomcast.fullname" .) }}
{{- if and $existing $existing.data (hasKey $existing.data "redis-password") }}
{{- $password = index $existing.data "redis-password" | b64dec }}
{{- else }}
{{- $password = randAlphaNum 32 }}
{{- end }}
{{- end }}
{{- $_ := set .Values.secret "_resolvedRedisPassword" $password }}
{{- end }}
{{- .Values.secret._resolvedRedisPassword }}
{{- end }}

{{/* Names of the Redis StatefulSet and of its headless Service (which gives every pod a DNS name). */}}
{{- define "roomcast.redis.fullname" -}}
{{- printf "%s-redis" (include "roomcast.fullname" .) }}
{{- end }}

{{- define "roomcast.redis.headless" -}}
{{- printf "%s-redis-headless" (include "roomcast.fullname" .) }}
{{- end }}

{{/* DNS suffix shared by the Redis pods: <headless>.<namespace>.svc.<clusterDomain> */}}
{{- define "roomcast.redis.domain" -}}
{{- printf "%s.%s.svc.%s" (include "roomcast.redis.headless" .) .Release.Namespace .Values.clusterDomain }}
{{- end }}

{{/* The sentinels the application asks for the master: one URL per Redis pod. */}}
{{- define "roomcast.redis.sentinelHosts" -}}
{{- $hosts := list }}
{{- range $i := until (int .Values.redis.replicas) }}
{{- $hosts = append $hosts (printf "redis://%s-%d.%s:26379" (include "roomcast.redis.fullname" $) $i (include "roomcast.redis.domain" $)) }}
{{- end }}
{{- join "," $hosts }}
{{- end }}

{{/*
Topology spread constraints with the pods' labelSelector filled in.
Usage: include "roomcast.topologySpread" (dict "constraints" .Values.x "selector" (include "..." .) "matchLabelKeys" list)
*/}}
{{- define "roomcast.topologySpread" -}}
{{- range .constraints }}
{{- $c := deepCopy . }}
{{- if not $c.labelSelector }}
{{- $_ := set $c "labelSelector" (dict "matchLabels" ($.selector | fromYaml)) }}
{{- end }}
{{- if and $.matchLabelKeys (not $c.matchLabelKeys) }}
{{- $_ := set $c "matchLabelKeys" $.matchLabelKeys }}
{{- end }}
- {{ toYaml $c | nindent 2 | trim }}
{{- end }}
{{- end }}

{{/* Environment of the Redis pod's containers (the scripts in files/redis/ document what they read). */}}
{{- define "roomcast.redis.env" -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: STATEFULSET_NAME
  value: {{ include "roomcast.redis.fullname" . | quote }}
- name: HEADLESS_SERVICE
  value: {{ include "roomcast.redis.headless" . | quote }}
- name: CLUSTER_DOMAIN
  value: {{ .Values.clusterDomain | quote }}
- name: REDIS_REPLICAS
  value: {{ .Values.redis.replicas | quote }}
- name: SENTINEL_MASTER_NAME
  value: {{ .Values.redis.sentinel.masterName | quote }}
- name: SENTINEL_QUORUM
  value: {{ .Values.redis.sentinel.quorum | quote }}
- name: SENTINEL_DOWN_AFTER_MS
  value: {{ .Values.redis.sentinel.downAfterMilliseconds | quote }}
- name: SENTINEL_FAILOVER_TIMEOUT_MS
  value: {{ .Values.redis.sentinel.failoverTimeoutMilliseconds | quote }}
- name: EMPTY_MASTER_WAIT_SECONDS
  value: {{ .Values.redis.emptyMasterWaitSeconds | quote }}
- name: REDIS_APPENDONLY
  value: {{ ternary "yes" "no" .Values.redis.appendonly | quote }}
- name: REDIS_MAXMEMORY
  value: {{ .Values.redis.maxmemory | quote }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "roomcast.secretName" . }}
      key: redis-password
# redis-cli reads its password from here (probes, scripts): never on a command line.
- name: REDISCLI_AUTH
  valueFrom:
    secretKeyRef:
      name: {{ include "roomcast.secretName" . }}
      key: redis-password
{{- end }}

{{- define "roomcast.redis.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop:
    - ALL
{{- end }}

{{/*
The container port that serves /q/health and /q/metrics: the management interface when enabled.
*/}}
{{- define "roomcast.managementPort" -}}
{{- if .Values.management.enabled }}management{{ else }}http{{ end }}
{{- end }}

{{/* "true" when at least one hook has a URL (the hooks' common settings and API key are then passed on), else empty. */}}
{{- define "roomcast.hooks.enabled" -}}
{{- if or .Values.hooks.connect.url .Values.hooks.join.url .Values.hooks.publish.url }}true{{ end }}
{{- end }}
