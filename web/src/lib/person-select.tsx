import { useState } from 'react';
import { Select } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { answer, api } from '../api/client';
import { fmt, zh } from '../i18n';
import { useDebounced } from './use-debounced';

export type PersonRole = 'supervisor' | 'evaluator' | 'reviewer';

export interface PersonOption {
  value: string;
  label: string;
}

/** The people of a role (enabled accounts), searched by name on the server: GET /api/v1/people?role=&q=. */
export function usePeople(role: PersonRole, q = '', enabled = true) {
  return useQuery({
    queryKey: ['people', role, q],
    enabled,
    staleTime: 30_000,
    queryFn: () => answer(api.GET('/api/v1/people', { params: { query: { role, limit: 50, ...(q ? { q } : {}) } } })),
  });
}

export const personLabel = (p: { displayName: string; organisation: { name: string } | null }): string =>
  p.organisation ? fmt(zh.people.withOrganisation, { name: p.displayName, organisation: p.organisation.name }) : p.displayName;

/**
 * The name of a person by id, asked for by id (a role has more people than a page): null while it loads, or when the
 * id is no enabled account of the role (the caller then says "assigned").
 */
export function usePersonName(role: PersonRole, id: string | null | undefined): string | null {
  const person = useQuery({
    queryKey: ['people', role, 'id', id],
    enabled: Boolean(id),
    staleTime: 30_000,
    queryFn: () => answer(api.GET('/api/v1/people', { params: { query: { role, id: id!, limit: 1 } } })),
  });
  const p = person.data?.items.find((x) => x.id === id);
  return p ? personLabel(p) : null;
}

interface Props {
  role: PersonRole;
  value?: string;
  onChange?: (value: string) => void;
  /** Options shown before the people (e.g. "chosen automatically"). */
  extra?: PersonOption[];
  id?: string;
  'data-testid'?: string;
}

/**
 * An antd Select of the people with a role, searched by name as one types (the server filters, 300 ms after the
 * last key). The chosen person stays among the options when a later search no longer finds them, so the field
 * never shows a bare id.
 */
export function PersonSelect({ role, value, onChange, extra = [], id, 'data-testid': testid }: Props) {
  const [typed, setTyped] = useState('');
  const q = useDebounced(typed.trim());
  const [chosen, setChosen] = useState<PersonOption | null>(null);
  const people = usePeople(role, q);
  const found = (people.data?.items ?? []).map((p) => ({ value: p.id, label: personLabel(p) }));
  const options = [...extra, ...found];
  if (chosen && chosen.value === value && !options.some((o) => o.value === chosen.value)) options.push(chosen);
  return (
    <Select<string, PersonOption>
      id={id}
      data-testid={testid}
      value={value}
      options={options}
      loading={people.isFetching}
      placeholder={zh.people.search}
      notFoundContent={people.isFetching ? zh.common.loading : zh.people.none}
      showSearch={{ filterOption: false, onSearch: setTyped }}
      onChange={(v, option) => {
        setChosen(Array.isArray(option) ? null : (option ?? null));
        setTyped('');
        onChange?.(v);
      }}
      style={{ minWidth: 220, maxWidth: '100%' }}
    />
  );
}
