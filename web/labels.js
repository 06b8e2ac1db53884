// Error texts as a person reads them: the server names input fields in backticks
// (`briefTitle`, `links[1]`); the app shows the label of the field instead.

const LABELS = {
  title: 'Title',
  briefTitle: 'Short title',
  description: 'Description',
  briefDescription: 'One-line description',
  slug: 'Web address',
  visibility: 'Visibility',
  isForkable: 'Forkable',
  email: 'Email',
  newEmail: 'New email',
  username: 'Username',
  password: 'Password',
  currentPassword: 'Current password',
  newPassword: 'New password',
  displayName: 'Display name',
  headline: 'Headline',
  links: 'Links',
  profileRoadmapIds: 'Roadmaps shown',
  name: 'Name',
  token: 'The link',
  note: 'Note',
  url: 'URL',
  roadmapId: 'Roadmap',
  topicIds: 'Hidden topics',
  input: 'The form',
};

/** The label of a field path the server names (`links[1]` → "Links, item 2"). */
export function fieldLabel(path) {
  const [, head, index] = String(path).match(/^([A-Za-z]+)(?:\[(\d+)\])?/) || [];
  if (!head) return String(path);
  const label = LABELS[head] || head.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
  return index === undefined ? label : `${label}, item ${Number(index) + 1}`;
}

/** `message` with each backticked field name turned into its label, other quoted values into “…”. */
export function readable(message) {
  return String(message).replace(/`([^`]*)`/g, (_, inner) =>
    /^[A-Za-z]+(\[\d+\])?(\.[A-Za-z]+)*$/.test(inner) && !/^[a-z0-9-]+$/.test(inner) || LABELS[inner]
      ? fieldLabel(inner)
      : `“${inner}”`);
}
