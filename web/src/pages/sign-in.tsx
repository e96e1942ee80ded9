import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { Link, useLocation, useNavigate } from 'react-router';
import { useSession } from '../session';
import { ApiError } from '../api/client';
import { showProblem } from '../lib/errors';
import { zh } from '../i18n';

interface Values {
  login: string;
  password: string;
}

export function SignInPage() {
  const { signIn } = useSession();
  const [form] = Form.useForm<Values>();
  const [banner, setBanner] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const location = useLocation();
  const state = location.state as { from?: string; login?: string } | null;
  const from = state?.from ?? '/';
  // A community's registration link (`?community=`) is passed on to 居民注册; a resident just registered finds their number filled in.
  const community = new URLSearchParams(location.search).get('community');

  const onFinish = async (values: Values) => {
    setBusy(true);
    setBanner(null);
    try {
      await signIn(values.login, values.password);
      navigate(from === '/signin' ? '/' : from, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setBanner(zh.signIn.wrong);
      else if (err instanceof ApiError && err.status === 429) setBanner(zh.signIn.locked);
      else setBanner(showProblem(form, err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div style={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', padding: 16, background: '#f5f5f5' }}>
      <Card style={{ width: '100%', maxWidth: 380 }}>
        <Typography.Title level={3} style={{ textAlign: 'center', marginTop: 0 }}>
          {zh.app.name} · {zh.app.fullName}
        </Typography.Title>
        {banner && <Alert type="error" title={banner} showIcon style={{ marginBottom: 16 }} data-testid="signin-error" />}
        <Form form={form} layout="vertical" onFinish={onFinish} requiredMark={false} initialValues={state?.login ? { login: state.login } : undefined}>
          <Form.Item label={zh.signIn.login} name="login" rules={[{ required: true, message: zh.signIn.loginRequired }]}>
            <Input autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item label={zh.signIn.password} name="password" rules={[{ required: true, message: zh.signIn.passwordRequired }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy}>
            {zh.signIn.submit}
          </Button>
        </Form>
        <div style={{ textAlign: 'center', marginTop: 16 }}>
          <Link to={`/register${community ? `?community=${encodeURIComponent(community)}` : ''}`} data-testid="register-link">
            {zh.signIn.register}
          </Link>
        </div>
      </Card>
    </div>
  );
}
