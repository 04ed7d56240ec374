// Creation of Notification objects: the Notifier the controllers report to, reminders
// before an Approval expires, and the pure naming and recipient rules. Reference: docs/notifications.md.
export {
  NotificationCreator,
  notificationCreatorFor,
  mergeRefs,
  type NotificationCreatorDeps,
  type ObservedChange,
  type SubjectKind,
  type WithdrawnChange,
} from './notification-creator.ts';
export { contentHash, notificationName, notificationPurpose, purposeFor, segment, type NotificationEvent, type Recipient } from './naming.ts';
export { audienceOf, isWaiting, WAITING_STATES, type AudienceStep, type StepAudience } from './audience.ts';
export { channelIgnores, deliveryFor, recipientsFor, teamsOf, type Delivery, type RecipientTeam, type Subject } from './recipients.ts';
export { daysRemaining, dueReminders, reminderThresholds, type ReminderRule, type ReminderThreshold } from './reminders.ts';
