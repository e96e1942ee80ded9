import { useState } from 'react';
import { Alert, App, Button, Card, Form, Input, Select, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { answer, api, ApiError } from '../api/client';
import { fmt, zh } from '../i18n';
import { problemText, showProblem } from '../lib/errors';
import { allPages, PAGE_MOST } from '../lib/all-pages';

// Residents' accounts: a resident registers with a mobile number (public, from the sign-in page), a community worker
// (dispatcher or officer over the community) opens one. Both sign in with the mobile number.

interface ResidentValues {
  mobile: string;
  displayName: string;
  communityId: string;
  password: string;
  password2: string;
}

/** The form's field for a problem's pointer; the registration form has no community field (its link names it): that problem goes to the banner. */
const residentField = (withCommunity: boolean) => (pointer: string): (string | number)[] | null => {
  const m = pointer.match(/^\/body\/(mobile|displayName|communityId|password)$/);
  return m && (withCommunity || m[1] !== 'communityId') ? [m[1]] : null;
};

/** The problem of a refused account: a taken number under the mobile field, throttling as the banner, the rest next to the fields. */
function residentProblem(form: ReturnType<typeof Form.useForm<ResidentValues>>[0], err: unknown, withCommunity: boolean): string | null {
  if (err instanceof ApiError && err.status === 409) {
    form.setFields([{ name: 'mobile', errors: [zh.residents.taken] }]);
    return null;
  }
  if (err instanceof ApiError && err.status === 429) return zh.residents.tooMany;
  return showProblem(form, err, residentField(withCommunity));
}

function ResidentFields({ communities }: { communities?: { value: string; label: string }[] }) {
  return (
    <>
      <Form.Item name="mobile" label={zh.residents.mobile} extra={zh.residents.mobileHint} rules={[{ required: true, message: zh.common.required }]}>
        <Input inputMode="tel" autoComplete="username" maxLength={11} />
      </Form.Item>
      <Form.Item name="displayName" label={zh.residents.displayName} rules={[{ required: true, message: zh.common.required }]}>
        <Input maxLength={100} autoComplete="name" />
      </Form.Item>
      {communities && (
        <Form.Item name="communityId" label={zh.residents.community} rules={[{ required: true, message: zh.common.required }]}>
          <Select showSearch optionFilterProp="label" options={communities} />
        </Form.Item>
      )}
      <Form.Item name="password" label={zh.residents.password} extra={zh.residents.passwordHint} rules={[{ required: true, message: zh.common.required }]}>
        <Input.Password autoComplete="new-password" maxLength={200} />
      </Form.Item>
      <Form.Item
        name="password2"
        label={zh.residents.password2}
        dependencies={['password']}
        rules={[
          { required: true, message: zh.common.required },
          ({ getFieldValue }) => ({ validator: (_, v) => (!v || v === getFieldValue('password') ? Promise.resolve() : Promise.reject(new Error(zh.residents.passwordMismatch))) }),
        ]}
      >
        <Input.Password autoComplete="new-password" maxLength={200} />
      </Form.Item>
    </>
  );
}

/** 居民注册 (public): the community comes from its registration link (`?community=`), which the sign-in page passes on. */
export function RegisterPage() {
  const [params] = useSearchParams();
  const community = params.get('community');
  const navigate = useNavigate();
  const { message } = App.useApp();
  const [form] = Form.useForm<ResidentValues>();
  const [banner, setBanner] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const back = `/signin${community ? `?community=${encodeURIComponent(community)}` : ''}`;
  const onFinish = async (v: ResidentValues) => {
    if (!community) return;
    setBusy(true);
    setBanner(null);
    try {
      const r = await answer(api.POST('/api/v1/residents/register', { body: { mobile: v.mobile, displayName: v.displayName, communityId: community, password: v.password } }));
      message.success(zh.residents.registered);
      navigate(back, { replace: true, state: { login: r.login } });
    } catch (err) {
      setBanner(residentProblem(form, err, false));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div style={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', padding: 16, background: '#f5f5f5' }}>
      <Card style={{ width: '100%', maxWidth: 380 }}>
        <Typography.Title level={3} style={{ textAlign: 'center', marginTop: 0 }}>
          {zh.residents.registerTitle}
        </Typography.Title>
        {community ? (
          <Form form={form} layout="vertical" onFinish={onFinish} requiredMark={false} data-testid="register-form">
            <ResidentFields />
            {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 16 }} data-testid="register-error" />}
            <Button type="primary" htmlType="submit" block loading={busy} data-testid="register">
              {zh.residents.submit}
            </Button>
          </Form>
        ) : (
          <Alert type="info" showIcon title={zh.residents.noCommunity} />
        )}
        <div style={{ textAlign: 'center', marginTop: 16 }}>
          <Link to={back}>{zh.residents.backToSignIn}</Link>
        </div>
      </Card>
    </div>
  );
}

/** 居民开户: a community worker opens a resident's account in a community of their scope, and reads the community's registration link. */
export default function OpenResidentPage() {
  const { message } = App.useApp();
  const [form] = Form.useForm<ResidentValues>();
  const [banner, setBanner] = useState<string | null>(null);
  const communityId = Form.useWatch('communityId', form);
  const communities = useQuery({
    queryKey: ['regions', 'communities'],
    staleTime: 300_000,
    queryFn: () => allPages((cursor) => answer(api.GET('/api/v1/regions', { params: { query: { level: 'community', limit: PAGE_MOST, cursor } } }))),
  });
  const onFinish = async (v: ResidentValues) => {
    setBanner(null);
    try {
      const r = await answer(api.POST('/api/v1/residents', { body: { mobile: v.mobile, displayName: v.displayName, communityId: v.communityId, password: v.password } }));
      message.success(fmt(zh.residents.opened, { name: r.displayName, login: r.login }));
      form.resetFields(['mobile', 'displayName', 'password', 'password2']);
    } catch (err) {
      setBanner(residentProblem(form, err, true));
    }
  };
  if (communities.isError) return <Card title={zh.residents.openTitle}>{problemText(communities.error)}</Card>;
  return (
    <Card title={zh.residents.openTitle}>
      <Form form={form} layout="vertical" onFinish={onFinish} style={{ maxWidth: 480 }} data-testid="resident-form">
        <ResidentFields communities={(communities.data?.items ?? []).map((r) => ({ value: r.id, label: r.name }))} />
        {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
        <Button type="primary" htmlType="submit" data-testid="open-resident">
          {zh.residents.open}
        </Button>
      </Form>
      {communityId && (
        <Typography.Paragraph style={{ marginTop: 16 }}>
          {zh.residents.link}：<Typography.Text copyable data-testid="register-link">{`${window.location.origin}/signin?community=${communityId}`}</Typography.Text>
        </Typography.Paragraph>
      )}
    </Card>
  );
}
