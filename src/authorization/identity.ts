// Who is acting, always as the API server authenticated them (the AdmissionReview's userInfo, a
// SelfSubjectReview): never a name taken from the object being written.

export interface UserInfo {
  username: string;
  uid?: string;
  groups?: string[];
}

/** The outcome of one authorization check: whether it passed, and how (or what was checked when it did not). */
export interface Verdict {
  allowed: boolean;
  detail: string;
}

/** How refusals name the person they refuse: `user "carol"`. */
export const userLabel = (user: Pick<UserInfo, 'username'>): string => `user "${user.username}"`;
