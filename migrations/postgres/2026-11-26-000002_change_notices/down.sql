DROP TRIGGER zone_presence_notify_change ON zone_presence;
DROP TRIGGER permits_notify_change ON permits;
DROP TRIGGER departments_notify_change ON departments;
DROP TRIGGER user_roles_notify_change ON user_roles;
DROP TRIGGER users_notify_change ON users;
DROP FUNCTION daicho_notify_change();
