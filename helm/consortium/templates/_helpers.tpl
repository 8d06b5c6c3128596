{{/*
Names, labels and the pieces every pod shares: the image, the environment (settings from
values, secrets from the Secret by key), the security contexts and the writable /tmp.
*/}}

{{- define "consortium.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* release-chart, or the release alone when it already names the chart; 63 characters. */}}
{{- define "consortium.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "consortium.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The labels that select a component's pods; call with (dict "ctx" $ "component" "web"). */}}
{{- define "consortium.selectorLabels" -}}
app.kubernetes.io/name: {{ include "consortium.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Every resource's labels; call with (dict "ctx" $ "component" "web"). */}}
{{- define "consortium.labels" -}}
helm.sh/chart: {{ include "consortium.chart" .ctx }}
{{ include "consortium.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: consortium
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- end }}

{{/* A component's resource name: fullname-component. */}}
{{- define "consortium.componentName" -}}
{{- printf "%s-%s" (include "consortium.fullname" .ctx) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "consortium.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "consortium.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret the pods read: the user's existingSecret, or the one the chart creates. */}}
{{- define "consortium.secretName" -}}
{{- default (include "consortium.fullname" .) .Values.existingSecret }}
{{- end }}

{{/* repository@digest when a digest is given, else repository:tag (tag: appVersion). */}}
{{- define "consortium.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* An environment variable from the Secret; call with (dict "ctx" $ "key" "SECRET_KEY"). */}}
{{- define "consortium.secretEnv" -}}
- name: {{ .key }}
  valueFrom:
    secretKeyRef:
      name: {{ include "consortium.secretName" .ctx }}
      key: {{ .key }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end }}

{{/*
The environment of every process. The runtime pods get DATABASE_URL (the role that owns
nothing) and never MIGRATION_DATABASE_URL; the migration Job adds that one itself.
*/}}
{{- define "consortium.env" -}}
- name: CONSORTIUM_ENV
  value: production
- name: PUBLIC_BASE_URL
  value: {{ .Values.config.publicBaseUrl | quote }}
- name: LOG_LEVEL
  value: {{ .Values.config.logLevel | quote }}
- name: MAIL_FROM
  value: {{ .Values.config.mailFrom | quote }}
- name: TRUSTED_PROXY_HOPS
  value: {{ .Values.config.trustedProxyHops | quote }}
{{- range $name, $value := .Values.config.extraEnv }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{ include "consortium.secretEnv" (dict "ctx" . "key" "SECRET_KEY") }}
{{ include "consortium.secretEnv" (dict "ctx" . "key" "SECRET_KEY_PREVIOUS" "optional" true) }}
{{ include "consortium.secretEnv" (dict "ctx" . "key" "DATABASE_URL") }}
{{ include "consortium.secretEnv" (dict "ctx" . "key" "REDIS_URL") }}
{{ include "consortium.secretEnv" (dict "ctx" . "key" "MAIL_URL" "optional" true) }}
{{- end }}

{{/* The pod spec's shared head: account, no token, pull secrets, the pod security context. */}}
{{- define "consortium.podSpecCommon" -}}
serviceAccountName: {{ include "consortium.serviceAccountName" . }}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end }}

{{/* The writable /tmp: the root filesystem is read-only. */}}
{{- define "consortium.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end }}

{{- define "consortium.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}

{{/*
The image sets PROMETHEUS_MULTIPROC_DIR=/tmp/metrics on the emptyDir: start it empty (a
restarted container finds its predecessor's files there), as the image's CMD does, then
replace the shell with the process so that it gets the signals.
*/}}
{{- define "consortium.command" -}}
- sh
- -c
- rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR" && exec "$@"
- --
{{- end }}

{{/* The pod annotations; a checksum of the chart's Secret rolls the pods when it changes. */}}
{{- define "consortium.podAnnotations" -}}
{{- $annotations := dict }}
{{- if not .Values.existingSecret }}
{{- $_ := set $annotations "checksum/secret" (include (print .Template.BasePath "/secret.yaml") . | sha256sum) }}
{{- end }}
{{- toYaml (merge $annotations .Values.podAnnotations) }}
{{- end }}

{{/* A NetworkPolicy egress rule from {to, ports}; no `to` means any address on those ports. */}}
{{- define "consortium.egressRule" -}}
{{- $rule := dict "ports" .ports }}
{{- with .to }}{{ $_ := set $rule "to" . }}{{ end }}
{{- list $rule | toYaml }}
{{- end }}
