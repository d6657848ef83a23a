import { forgetDefaultContainer } from './default-slot.js';

// Test files share worker processes: each starts, as a process would, with no default container.
forgetDefaultContainer();
