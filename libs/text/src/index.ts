export { displayNameKey, displayNameKeys } from './display-name.js';
