import { lazy, Suspense } from 'react';
import { Button, Layout, Menu, Result, Space, Spin, Typography } from 'antd';
import { Link, Navigate, Route, Routes, useLocation } from 'react-router';
import { hasRole, useMe, useSession } from './session';
import { zh } from './i18n';
import { TasksPage } from './pages/tasks';
import { lazyPage } from './lib/lazy';

// Areas load when first opened.
// The library is the first screen measured (issue 12): boot.ts may have its module already.
const LibraryPage = lazyPage('library', () => import('./pages/library'));
const ProjectPage = lazy(() => import('./pages/project'));
const NewProjectPage = lazy(() => import('./pages/new-project'));
const ReviewPage = lazy(() => import('./pages/review'));
const ScorePage = lazy(() => import('./pages/score'));
const ProgrammesPage = lazy(() => import('./pages/programmes'));
const ReportPage = lazy(() => import('./pages/report'));
const DashboardPage = lazy(() => import('./pages/dashboard'));
const ContestsPage = lazy(() => import('./pages/contests'));
const ContestPage = lazy(() => import('./pages/contest'));
const JudgePage = lazy(() => import('./pages/judge'));
const AdminPage = lazy(() => import('./pages/admin'));
const DemandPage = lazy(() => import('./pages/demand'));
// The residents' service-order loop (点单-派单-接单-评单), volunteers and the time bank.
const OrdersPage = lazy(() => import('./pages/orders'));
const OrderPage = lazy(() => import('./pages/orders').then((m) => ({ default: m.OrderPage })));
const DispatchPage = lazy(() => import('./pages/order-work').then((m) => ({ default: m.DispatchPage })));
const AssignmentsPage = lazy(() => import('./pages/order-work').then((m) => ({ default: m.AssignmentsPage })));
const VolunteersPage = lazy(() => import('./pages/volunteers'));
const MyTimeBankPage = lazy(() => import('./pages/volunteers').then((m) => ({ default: m.MyTimeBankPage })));
const VolunteerTimeBankPage = lazy(() => import('./pages/volunteers').then((m) => ({ default: m.VolunteerTimeBankPage })));
const OpenResidentPage = lazy(() => import('./pages/residents'));
const ServiceDashboardPage = lazy(() => import('./pages/service-dashboard').then((m) => ({ default: m.ServiceDashboardPage })));
const MyServiceDashboard = lazy(() => import('./pages/service-dashboard').then((m) => ({ default: m.MyServiceDashboard })));

/** The service-order loop's menu entries, by role: residents order, dispatchers dispatch, volunteers and teams serve (an officer may open /orders too). */
function serviceItems(me: ReturnType<typeof useMe>) {
  // A volunteer's account may be a resident's, an organisation's applicant's, or carry no role at all.
  const serves = me.roles.length === 0 || hasRole(me, 'resident', 'applicant');
  return [
    ...(hasRole(me, 'resident', 'dispatcher') ? [{ key: '/orders', label: <Link to="/orders">{zh.serviceNav.order}</Link> }] : []),
    ...(hasRole(me, 'dispatcher', 'officer') ? [{ key: '/residents/new', label: <Link to="/residents/new">{zh.serviceNav.residents}</Link> }] : []),
    ...(hasRole(me, 'dispatcher', 'officer') ? [{ key: '/dispatch', label: <Link to="/dispatch">{zh.serviceNav.dispatch}</Link> }] : []),
    ...(serves ? [{ key: '/assignments', label: <Link to="/assignments">{zh.serviceNav.assignments}</Link> }] : []),
    ...(hasRole(me, 'applicant', 'officer') ? [{ key: '/volunteers', label: <Link to="/volunteers">{zh.serviceNav.volunteers}</Link> }] : []),
    ...(me.roles.length === 0 || hasRole(me, 'resident') ? [{ key: '/time-bank', label: <Link to="/time-bank">{zh.serviceNav.timeBank}</Link> }] : []),
    ...(hasRole(me, 'dispatcher', 'officer', 'admin') ? [{ key: '/service-dashboard', label: <Link to="/service-dashboard">{zh.serviceNav.dashboard}</Link> }] : []),
  ];
}

function NotFound() {
  return <Result status="404" title={zh.common.notFound} extra={<Link to="/">{zh.common.backHome}</Link>} />;
}

export default function Shell() {
  const me = useMe();
  const { signOut } = useSession();
  const location = useLocation();
  const items = [
    { key: '/', label: <Link to="/">{zh.nav.tasks}</Link> },
    { key: '/projects', label: <Link to="/projects">{zh.nav.library}</Link> },
    ...(hasRole(me, 'applicant') ? [{ key: '/projects/new', label: <Link to="/projects/new">{zh.nav.newProject}</Link> }] : []),
    ...(hasRole(me, 'officer', 'admin') ? [{ key: '/programmes', label: <Link to="/programmes">{zh.nav.programmes}</Link> }] : []),
    ...(hasRole(me, 'officer', 'admin') ? [{ key: '/demand', label: <Link to="/demand">{zh.nav.demand}</Link> }] : []),
    { key: '/contests', label: <Link to="/contests">{zh.nav.contests}</Link> },
    ...(hasRole(me, 'officer', 'admin', 'organiser') ? [{ key: '/dashboard', label: <Link to="/dashboard">{zh.nav.dashboard}</Link> }] : []),
    ...(hasRole(me, 'admin') ? [{ key: '/admin', label: <Link to="/admin">{zh.nav.admin}</Link> }] : []),
    ...serviceItems(me),
  ];
  const selected = items.map((i) => i.key).filter((k) => k === location.pathname || (k !== '/' && location.pathname.startsWith(k)));
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header style={{ display: 'flex', alignItems: 'center', gap: 12, paddingInline: 12 }}>
        <Typography.Text strong style={{ color: '#fff', whiteSpace: 'nowrap' }}>
          {zh.app.name}
        </Typography.Text>
        <Menu theme="dark" mode="horizontal" items={items} selectedKeys={selected.slice(-1)} style={{ flex: 1, minWidth: 0 }} />
        <Space>
          <span style={{ color: '#fff', whiteSpace: 'nowrap', maxWidth: 96, overflow: 'hidden', textOverflow: 'ellipsis', display: 'inline-block', verticalAlign: 'middle' }} data-testid="me">
            {me.displayName}
          </span>
          <Button size="small" onClick={() => void signOut()} data-testid="sign-out">
            {zh.nav.signOut}
          </Button>
        </Space>
      </Layout.Header>
      <Layout.Content style={{ padding: 12, maxWidth: 1200, width: '100%', margin: '0 auto' }}>
        <Suspense fallback={<Spin style={{ display: 'block', margin: '10vh auto' }} />}>
          <Routes>
            <Route path="/" element={<TasksPage />} />
            <Route path="/signin" element={<Navigate to="/" replace />} />
            <Route path="/register" element={<Navigate to="/" replace />} />
            <Route path="/residents/new" element={<OpenResidentPage />} />
            <Route path="/projects" element={<LibraryPage />} />
            <Route path="/projects/new" element={<NewProjectPage />} />
            <Route path="/projects/:id" element={<ProjectPage />} />
            <Route path="/projects/:id/review" element={<ReviewPage />} />
            <Route path="/projects/:id/score" element={<ScorePage />} />
            <Route path="/projects/:id/report" element={<ReportPage />} />
            <Route path="/programmes" element={<ProgrammesPage />} />
            <Route path="/dashboard" element={<DashboardPage />} />
            <Route path="/contests" element={<ContestsPage />} />
            <Route path="/contests/:id" element={<ContestPage />} />
            <Route path="/contests/:id/judge" element={<JudgePage />} />
            <Route path="/admin" element={<AdminPage />} />
            <Route path="/demand" element={<DemandPage />} />
            <Route path="/orders" element={<OrdersPage />} />
            <Route path="/orders/:id" element={<OrderPage />} />
            <Route path="/dispatch" element={<DispatchPage />} />
            <Route path="/assignments" element={<AssignmentsPage />} />
            <Route path="/volunteers" element={<VolunteersPage />} />
            <Route path="/volunteers/:id/time-bank" element={<VolunteerTimeBankPage />} />
            <Route path="/time-bank" element={<MyTimeBankPage />} />
            <Route path="/service-dashboard" element={<MyServiceDashboard />} />
            <Route path="/regions/:id/service-dashboard" element={<ServiceDashboardPage />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </Layout.Content>
    </Layout>
  );
}
