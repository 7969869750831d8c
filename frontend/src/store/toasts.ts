import { create } from 'zustand';

export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
}

interface ToastState {
  toasts: Toast[];
  show: (text: string, kind?: Toast['kind']) => void;
  dismiss: (id: number) => void;
}

let next = 1;

/** Short notices in a corner; each goes away by itself after a few seconds. */
export const useToasts = create<ToastState>((set, get) => ({
  toasts: [],
  show: (text, kind = 'info') => {
    const id = next++;
    set((s) => ({ toasts: [...s.toasts.slice(-4), { id, text, kind }] }));
    setTimeout(() => get().dismiss(id), kind === 'error' ? 7000 : 4000);
  },
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}));

export const toastError = (e: unknown) =>
  useToasts.getState().show(e instanceof Error ? e.message : String(e), 'error');
