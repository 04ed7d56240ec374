// The two timestamp formats of the Kubernetes API.

/** metav1.Time: RFC 3339 with second precision, e.g. 2026-11-21T16:30:07Z. */
export const apiTime = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** metav1.MicroTime: RFC 3339 with microseconds (Leases, events.k8s.io eventTime). */
export const apiMicroTime = (date: Date): string => date.toISOString().replace(/Z$/, '000Z');
