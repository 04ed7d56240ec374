// JSON Pointer (RFC 6901) segments, for JSON patches that address map keys such as annotations.

/** `~` and `/` escaped for a JSON pointer segment (annotation and label keys contain `/`). */
export const pointerSegment = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');
