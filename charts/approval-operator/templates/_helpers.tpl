{{/* Names and labels. */}}
{{- define "approval-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "approval-operator.fullname" -}}
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

{{- define "approval-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "approval-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "approval-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "approval-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: approval-operator
{{- end }}

{{- define "approval-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "approval-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "approval-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "approval-operator.webhookServiceName" -}}
{{- printf "%s-webhook" (include "approval-operator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "approval-operator.webhookCertSecretName" -}}
{{- printf "%s-webhook-cert" (include "approval-operator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "approval-operator.smtpSecretName" -}}
{{- if .Values.smtp.existingSecret }}
{{- .Values.smtp.existingSecret }}
{{- else }}
{{- printf "%s-smtp" (include "approval-operator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
The documents of a multi-document YAML file of the chart (files/…), as a list of objects.
Returned as JSON text (include can only return strings); use with fromJsonArray.
The files are byte-for-byte copies of config/rbac and config/webhook (a unit test checks it), so
the chart renders the very rules and webhooks the repository defines.
*/}}
{{- define "approval-operator.documents" -}}
{{- $documents := list }}
{{- range $text := regexSplit "(?m)^---[ \t]*$" (.root.Files.Get .file) -1 }}
{{- $document := fromYaml $text }}
{{- if hasKey $document "Error" }}
{{- fail (printf "%s: %s" $.file (get $document "Error")) }}
{{- end }}
{{- if hasKey $document "kind" }}
{{- $documents = append $documents $document }}
{{- end }}
{{- end }}
{{- if not $documents }}
{{- fail (printf "%s: no documents (is the file missing?)" .file) }}
{{- end }}
{{- toJson $documents }}
{{- end }}

{{/* The one document of `kind` named `name` in `file`. */}}
{{- define "approval-operator.document" -}}
{{- $found := dict }}
{{- range $document := include "approval-operator.documents" (dict "root" .root "file" .file) | fromJsonArray }}
{{- if and (eq $document.kind $.kind) (eq $document.metadata.name $.name) }}
{{- $found = $document }}
{{- end }}
{{- end }}
{{- if not $found }}
{{- fail (printf "%s: no %s %s" .file .kind .name) }}
{{- end }}
{{- toJson $found }}
{{- end }}
